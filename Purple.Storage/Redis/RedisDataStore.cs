using System.Text;
using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

/// <summary>
/// <c>--storage redis</c> (docs/storage.md, "External Redis"): every operation becomes Redis commands, so any number
/// of Purple nodes are stateless front ends over one Redis. Strings and sets are Redis strings and sets, readable by
/// any Redis client; memcached flags, CAS and content type live in one hash per database (<see cref="MetaKey"/>),
/// kept in step by Lua scripts so each write is one atomic step. TTL and eviction are Redis's. When Redis cannot be
/// reached, calls throw <see cref="StorageUnavailableException"/> within the command timeout; protocols answer it in
/// their own terms. Thread-safe.
/// </summary>
public sealed partial class RedisDataStore : IDataStore, IDisposable
{
    /// <summary>Per database: field = key, value = "flags|cas|content type".</summary>
    public const string MetaKey = "purple:meta";
    /// <summary>Per database: the counter CAS values come from.</summary>
    public const string CasKey = "purple:cas";

    private static readonly byte[] MetaKeyBytes = Encoding.UTF8.GetBytes(MetaKey);
    private static readonly byte[] CasKeyBytes = Encoding.UTF8.GetBytes(CasKey);
    private readonly RedisClient _client;
    private readonly TimeProvider _time;
    private readonly Lock _atomically = new();

    public RedisDataStore(RedisClient client, int databases, TimeProvider? time = null)
    {
        _client = client;
        Databases = databases;
        _time = time ?? TimeProvider.System;
    }

    public int Databases { get; }

    public RedisClient Client => _client;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static bool IsInternal(ReadOnlySpan<byte> key) => key.SequenceEqual(MetaKeyBytes) || key.SequenceEqual(CasKeyBytes);

    /// <summary>Runs a script (EVALSHA, then EVAL when the server does not have it yet) and returns its reply.</summary>
    private RedisReply Run(int db, RedisScript script, IReadOnlyList<byte[]> keys, params object[] args)
    {
        var command = new List<object>(4 + keys.Count + args.Length) { "EVALSHA", script.Sha1, 2 + keys.Count, MetaKeyBytes, CasKeyBytes };
        command.AddRange(keys);
        command.AddRange(args);
        var reply = _client.Pipeline(db, [command])[0];
        if (reply.IsError && reply.Text!.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            command[0] = "EVAL";
            command[1] = script.Source;
            reply = _client.Pipeline(db, [command])[0];
        }
        if (reply.IsError) return reply;
        if (reply.Kind != RedisReplyKind.Array || reply.Items!.Length == 0) throw new StorageProtocolException("script returned no status");
        return reply;
    }

    private static ExecResult Failure(RedisReply reply) => ExecResult.Fail(ErrorOf(
        reply.IsError ? reply.Text! : reply.Items!.Length > 1 ? reply.Items[1].AsString() : "a script failed without a reason"));

    /// <summary>Redis's error texts as Purple's errors; anything unexpected means Redis refused for its own reasons.</summary>
    private static PurpleError ErrorOf(string text) => text switch
    {
        _ when text.StartsWith("WRONGTYPE", StringComparison.Ordinal) => PurpleError.WrongType,
        _ when text.StartsWith("OOM", StringComparison.Ordinal) => PurpleError.OutOfMemory,
        _ when text.Contains("not an integer", StringComparison.Ordinal) => PurpleError.NotInteger,
        _ when text.Contains("overflow", StringComparison.Ordinal) => PurpleError.Overflow,
        _ when text.StartsWith("NOSUCHKEY", StringComparison.Ordinal) || text.Contains("no such key", StringComparison.Ordinal) => PurpleError.NoSuchKey,
        _ => throw new StorageUnavailableException("redis refused: " + text),
    };

    private static string Status(RedisReply reply) => reply.Items![0].AsString();

    public bool CanAcceptWrite() => true;

    public T Atomically<T>(Func<T> body)
    {
        // Serializes this node's transactions; other nodes over the same Redis are not held (documented).
        lock (_atomically) return body();
    }

    public void Dispose()
    {
        _sweeper?.Dispose();
        _client.Dispose();
    }
}
