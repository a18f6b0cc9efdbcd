using System.Globalization;
using System.Text;

namespace Purple.Protocols.Resp;

public enum RespType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    /// <summary>RESP3 "_".</summary>
    Null,
    Boolean,
    Double,
    BigNumber,
    BlobError,
    Verbatim,
    Map,
    Set,
    Push,
}

/// <summary>
/// One decoded reply, immutable. String-like types carry <see cref="Bytes"/> (and <see cref="Text"/> as
/// UTF-8); aggregates carry <see cref="Items"/> (a map's items are key, value, key, value…). RESP2's
/// "$-1" and "*-1" are a <see cref="RespType.BulkString"/> / <see cref="RespType.Array"/> with
/// <see cref="IsNull"/>; RESP3's "_" is <see cref="RespType.Null"/>.
/// </summary>
public sealed class RespValue
{
    private RespValue(RespType type) => Type = type;

    public RespType Type { get; }

    public byte[]? Bytes { get; private init; }

    public long Integer { get; private init; }

    public double Double { get; private init; }

    public bool Boolean { get; private init; }

    public IReadOnlyList<RespValue>? Items { get; private init; }

    /// <summary>The three-letter format of a verbatim string ("txt", "mkd").</summary>
    public string? Format { get; private init; }

    public bool IsNull => Type == RespType.Null || (Bytes is null && Items is null && Type is RespType.BulkString or RespType.Array);

    public string? Text => Bytes is null ? null : Encoding.UTF8.GetString(Bytes);

    internal static RespValue Str(RespType type, byte[]? bytes, string? format = null) => new(type) { Bytes = bytes, Format = format };

    internal static RespValue Int(long value) => new(RespType.Integer) { Integer = value };

    internal static RespValue Dbl(double value, byte[] text) => new(RespType.Double) { Double = value, Bytes = text };

    internal static RespValue Bool(bool value) => new(RespType.Boolean) { Boolean = value };

    internal static RespValue Aggregate(RespType type, IReadOnlyList<RespValue>? items) => new(type) { Items = items };

    internal static RespValue NullValue { get; } = new(RespType.Null);

    /// <summary>Compact and unambiguous, for test failure messages: <c>["OK", :1, (null), {"k": "v"}]</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Append(sb);
        return sb.ToString();
    }

    private void Append(StringBuilder sb)
    {
        switch (Type)
        {
            case RespType.SimpleString: sb.Append('+'); AppendText(sb); break;
            case RespType.Error: sb.Append('-'); AppendText(sb); break;
            case RespType.BlobError: sb.Append("!-"); AppendText(sb); break;
            case RespType.Integer: sb.Append(':').Append(Integer.ToString(CultureInfo.InvariantCulture)); break;
            case RespType.BigNumber: sb.Append('('); AppendText(sb); break;
            case RespType.Double: sb.Append(','); AppendText(sb); break;
            case RespType.Boolean: sb.Append(Boolean ? "#t" : "#f"); break;
            case RespType.Null: sb.Append("(null)"); break;
            case RespType.Verbatim: sb.Append('=').Append(Format).Append(':'); AppendQuoted(sb); break;
            case RespType.BulkString:
                if (Bytes is null) sb.Append("(nil)");
                else AppendQuoted(sb);
                break;
            case RespType.Map:
                sb.Append('{');
                for (int i = 0; i + 1 < Items!.Count; i += 2)
                {
                    if (i > 0) sb.Append(", ");
                    Items[i].Append(sb);
                    sb.Append(": ");
                    Items[i + 1].Append(sb);
                }
                sb.Append('}');
                break;
            default:
                if (Items is null) { sb.Append("(nil array)"); break; }
                sb.Append(Type switch { RespType.Set => "~[", RespType.Push => ">[", _ => "[" });
                for (int i = 0; i < Items.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    Items[i].Append(sb);
                }
                sb.Append(']');
                break;
        }
    }

    private void AppendText(StringBuilder sb) => sb.Append(Text);

    private void AppendQuoted(StringBuilder sb)
    {
        sb.Append('"');
        foreach (byte b in Bytes!)
        {
            if (b is >= 0x20 and < 0x7F && b != (byte)'"' && b != (byte)'\\') sb.Append((char)b);
            else sb.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
        }
        sb.Append('"');
    }
}
