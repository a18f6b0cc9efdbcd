using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Purple.Protocols.Resp;

/// <summary>
/// Writes RESP2/RESP3 replies straight into <see cref="Output"/>'s spans. Small replies take one
/// GetSpan/Advance pair; payloads above <see cref="ChunkThreshold"/> are copied in the chunks the writer
/// offers, so a 512 MB value never asks a pipe for one 512 MB block. Not thread-safe.
/// </summary>
public sealed partial class RespWriter
{
    private const int ChunkThreshold = 4096;
    // ":" or "$" + 20 digits (long.MinValue) + CRLF
    private const int MaxHeader = 1 + 20 + 2;

    private int _protocol = 2;

    public RespWriter(IBufferWriter<byte> output)
    {
        Output = output ?? throw new ArgumentNullException(nameof(output));
    }

    public IBufferWriter<byte> Output { get; set; }

    /// <summary>2 (default) or 3 after HELLO 3.</summary>
    public int Protocol
    {
        get => _protocol;
        set => _protocol = value is 2 or 3 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RESP protocol is 2 or 3");
    }

    /// <summary>"+text"; CR and LF become spaces so a status can never split the reply stream.</summary>
    public void SimpleString(ReadOnlySpan<byte> s) => Line((byte)'+', s);

    public void Ok() => Raw(RespEncodingCache.Ok);

    /// <summary>"-message"; the message carries its code ("ERR syntax error"). CR/LF become spaces, as Redis does.</summary>
    public void Error(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length <= 256)
        {
            Span<byte> utf8 = stackalloc byte[256 * 3];
            int n = Encoding.UTF8.GetBytes(message, utf8);
            Line((byte)'-', utf8[..n]);
        }
        else
        {
            Line((byte)'-', Encoding.UTF8.GetBytes(message));
        }
    }

    public void Integer(long value)
    {
        if ((ulong)value < RespEncodingCache.Size) Raw(RespEncodingCache.Integers[value]);
        else Header((byte)':', value);
    }

    public void Bulk(ReadOnlySpan<byte> value)
    {
        int total = MaxHeader + value.Length + 2;
        if (total <= ChunkThreshold)
        {
            var span = Output.GetSpan(total);
            int n = WriteHeader(span, (byte)'$', value.Length);
            value.CopyTo(span[n..]);
            n += value.Length;
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
            Output.Advance(n);
            return;
        }
        Header((byte)'$', value.Length);
        Raw(value);
        Raw(RespEncodingCache.Crlf);
    }

    public void BulkString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int length = Encoding.UTF8.GetByteCount(value);
        if (MaxHeader + length + 2 <= ChunkThreshold)
        {
            var span = Output.GetSpan(MaxHeader + length + 2);
            int n = WriteHeader(span, (byte)'$', length);
            n += Encoding.UTF8.GetBytes(value, span[n..]);
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
            Output.Advance(n);
            return;
        }
        Bulk(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>A missing value: RESP2 "$-1", RESP3 "_".</summary>
    public void Null() => Raw(_protocol == 3 ? RespEncodingCache.Resp3Null : RespEncodingCache.NullBulk);

    /// <summary>A missing aggregate: RESP2 "*-1", RESP3 "_".</summary>
    public void NullArray() => Raw(_protocol == 3 ? RespEncodingCache.Resp3Null : RespEncodingCache.NullArray);

    public void ArrayHeader(int count) => AggregateHeader((byte)'*', count);

    /// <summary>RESP3 "~", RESP2 "*".</summary>
    public void SetHeader(int count) => AggregateHeader(_protocol == 3 ? (byte)'~' : (byte)'*', count);

    /// <summary>RESP3 "%" with the pair count, RESP2 a flat "*" array of 2 × pairs.</summary>
    public void MapHeader(int pairs)
    {
        if (_protocol == 3) AggregateHeader((byte)'%', pairs);
        else Header((byte)'*', 2L * pairs);
    }

    /// <summary>RESP3 "#t"/"#f", RESP2 ":1"/":0".</summary>
    public void Boolean(bool value)
    {
        if (_protocol == 3) Raw(value ? RespEncodingCache.True : RespEncodingCache.False);
        else Integer(value ? 1 : 0);
    }

    /// <summary>RESP3 ",", RESP2 a bulk string; formatted as Redis's d2string does (inf, -inf, nan, shortest round-trip).</summary>
    public void Double(double value)
    {
        Span<byte> text = stackalloc byte[RespDoubleFormat.MaxLength];
        int length = RespDoubleFormat.Format(value, text);
        if (_protocol == 3) Line((byte)',', text[..length]);
        else Bulk(text[..length]);
    }

    /// <summary>RESP3 "=len\r\nfmt:text", RESP2 a plain bulk string. <paramref name="format"/> is three ASCII characters.</summary>
    public void Verbatim(ReadOnlySpan<byte> text, string format = "txt")
    {
        ArgumentNullException.ThrowIfNull(format);
        if (format.Length != 3 || !Ascii.IsValid(format))
            throw new ArgumentException("A verbatim format is exactly three ASCII characters, e.g. \"txt\" or \"mkd\".", nameof(format));
        if (_protocol != 3)
        {
            Bulk(text);
            return;
        }
        Header((byte)'=', text.Length + 4L);
        var span = Output.GetSpan(4);
        Encoding.ASCII.GetBytes(format, span);
        span[3] = (byte)':';
        Output.Advance(4);
        Raw(text);
        Raw(RespEncodingCache.Crlf);
    }

    /// <summary>Bytes already in RESP form (e.g. a cached reply), copied as they are.</summary>
    public void Raw(ReadOnlySpan<byte> preEncoded)
    {
        var output = Output;
        if (preEncoded.Length <= ChunkThreshold)
        {
            var span = output.GetSpan(preEncoded.Length);
            preEncoded.CopyTo(span);
            output.Advance(preEncoded.Length);
            return;
        }
        while (!preEncoded.IsEmpty)
        {
            var span = output.GetSpan(1);
            int n = Math.Min(span.Length, preEncoded.Length);
            preEncoded[..n].CopyTo(span);
            output.Advance(n);
            preEncoded = preEncoded[n..];
        }
    }

    private void AggregateHeader(byte type, int count)
    {
        if (type == (byte)'*' && (uint)count < RespEncodingCache.Size) Raw(RespEncodingCache.ArrayHeaders[count]);
        else Header(type, count);
    }

    private void Header(byte type, long value)
    {
        if (type == (byte)'$' && (ulong)value < RespEncodingCache.Size)
        {
            Raw(RespEncodingCache.BulkHeaders[value]);
            return;
        }
        var span = Output.GetSpan(MaxHeader);
        Output.Advance(WriteHeader(span, type, value));
    }

    private static int WriteHeader(Span<byte> span, byte type, long value)
    {
        span[0] = type;
        Utf8Formatter.TryFormat(value, span[1..], out int digits);
        span[digits + 1] = (byte)'\r';
        span[digits + 2] = (byte)'\n';
        return digits + 3;
    }

    // A one-line reply (+, -, ,): the text must not contain CR or LF, so they are replaced.
    private void Line(byte type, ReadOnlySpan<byte> text)
    {
        if (text.Length + 3 > ChunkThreshold)
        {
            var copy = text.ToArray();
            copy.AsSpan().Replace((byte)'\r', (byte)' ');
            copy.AsSpan().Replace((byte)'\n', (byte)' ');
            Raw([type]);
            Raw(copy);
            Raw(RespEncodingCache.Crlf);
            return;
        }
        var span = Output.GetSpan(text.Length + 3);
        span[0] = type;
        var body = span.Slice(1, text.Length);
        text.CopyTo(body);
        body.Replace((byte)'\r', (byte)' ');
        body.Replace((byte)'\n', (byte)' ');
        span[text.Length + 1] = (byte)'\r';
        span[text.Length + 2] = (byte)'\n';
        Output.Advance(text.Length + 3);
    }
}
