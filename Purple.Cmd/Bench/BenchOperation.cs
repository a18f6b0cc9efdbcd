using System.Runtime.CompilerServices;
using System.Text;

namespace Purple.Cmd.Bench;

/// <summary>
/// One kind of request `purple bench -t` can send, with redis-benchmark's own command shapes (key:__rand_int__,
/// counter:__rand_int__, myset, element:__rand_int__, 'x' values of -d bytes) so both tools load a node the same
/// way, and the rule that says whether a reply is the right one. A reply that is an error or of the wrong kind
/// is counted as an error, never as a success.
/// </summary>
internal sealed class BenchOperation
{
    /// <summary>redis-benchmark's placeholder: with -r each occurrence becomes a random 12-digit number, without it stays as is.</summary>
    public const string Placeholder = "__rand_int__";

    public static readonly string[] Names = ["ping", "set", "get", "incr", "sadd", "spop", "mset"];

    public static readonly string[] Defaults = ["set", "get", "incr", "sadd"];

    private readonly string[] _args;

    private BenchOperation(string name, string[] args, ReplyRule accepts)
    {
        Name = name;
        _args = args;
        Accepts = accepts;
    }

    /// <summary>Is this reply (its kind, a simple string's text, an integer's value) a right answer?</summary>
    public delegate bool ReplyRule(ReplyKind kind, ReadOnlySpan<byte> text, long integer);

    public string Name { get; }

    public ReplyRule Accepts { get; }

    public static BenchOperation Create(string name, int dataSize)
    {
        const string key = "key:" + Placeholder;
        string data = new('x', dataSize);
        return name switch
        {
            "ping" => new(name, ["PING"], IsPong),
            "set" => new(name, ["SET", key, data], IsOk),
            "get" => new(name, ["GET", key], IsBulkOrNil),
            "incr" => new(name, ["INCR", "counter:" + Placeholder], IsInteger),
            "sadd" => new(name, ["SADD", "myset", "element:" + Placeholder], IsZeroOrOne),
            "spop" => new(name, ["SPOP", "myset"], IsBulkOrNil),
            // redis-benchmark's MSET: ten keys at once.
            "mset" => new(name, ["MSET", .. Enumerable.Range(0, 10).SelectMany(_ => new[] { key, data })], IsOk),
            _ => throw new ArgumentException($"unknown test '{name}'", nameof(name)),
        };
    }

    /// <summary>One request in RESP, and the offsets of its placeholders (12 bytes each, for the digits of a random key).</summary>
    public (byte[] Request, int[] Placeholders) Template()
    {
        var text = new StringBuilder();
        text.Append('*').Append(_args.Length).Append("\r\n");
        foreach (var a in _args) text.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        byte[] request = Encoding.UTF8.GetBytes(text.ToString());
        byte[] marker = Encoding.ASCII.GetBytes(Placeholder);
        var offsets = new List<int>();
        for (int start = 0, found; (found = request.AsSpan(start).IndexOf(marker)) >= 0; start += found + marker.Length)
        {
            offsets.Add(start + found);
        }
        return (request, offsets.ToArray());
    }

    // The rules run once per reply: optimized from the first call (see BenchConnection).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsOk(ReplyKind kind, ReadOnlySpan<byte> text, long integer) => kind == ReplyKind.Simple && text.SequenceEqual("OK"u8);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsPong(ReplyKind kind, ReadOnlySpan<byte> text, long integer) => kind == ReplyKind.Simple && text.SequenceEqual("PONG"u8);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsBulkOrNil(ReplyKind kind, ReadOnlySpan<byte> text, long integer) => kind is ReplyKind.Bulk or ReplyKind.Null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsInteger(ReplyKind kind, ReadOnlySpan<byte> text, long integer) => kind == ReplyKind.Integer;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsZeroOrOne(ReplyKind kind, ReadOnlySpan<byte> text, long integer) => kind == ReplyKind.Integer && integer is 0 or 1;
}
