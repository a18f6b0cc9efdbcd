using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Purple.Protocols.Memcached;

/// <summary>
/// Writes memcached replies straight into the output's spans. Values above <see cref="ChunkThreshold"/>
/// are copied in the chunks the writer offers, so a 1 MB item never asks the pipe for one 1 MB block.
/// Counts what it wrote, for "stats bytes_written". Not thread-safe.
/// </summary>
public sealed class MemcachedWriter
{
    private const int ChunkThreshold = 4096;

    public MemcachedWriter(IBufferWriter<byte> output)
    {
        Output = output;
    }

    public IBufferWriter<byte> Output { get; set; }

    public long BytesWritten { get; set; }

    /// <summary>
    /// Set while a "noreply" command runs: memcached sends such a command nothing, not even its
    /// CLIENT_ERROR lines; only <see cref="UnknownCommand"/> gets through.
    /// </summary>
    public bool Muted { get; set; }

    /// <summary>"ERROR": the one reply memcached sends even to a noreply command.</summary>
    public void UnknownCommand()
    {
        bool muted = Muted;
        Muted = false;
        Raw("ERROR\r\n"u8);
        Muted = muted;
    }

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        if (Muted) return;
        BytesWritten += bytes.Length;
        while (bytes.Length > 0)
        {
            var span = Output.GetSpan(Math.Min(bytes.Length, ChunkThreshold));
            int n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            Output.Advance(n);
            bytes = bytes[n..];
        }
    }

    /// <summary>A reply line of ASCII text (errors, VERSION, STAT lines) plus CRLF.</summary>
    public void Line(string text)
    {
        if (Muted) return;
        var span = Output.GetSpan(text.Length + 2);
        int n = Encoding.ASCII.GetBytes(text, span);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        Output.Advance(n);
        BytesWritten += n;
    }

    public void UnsignedLine(ulong value)
    {
        if (Muted) return;
        var span = Output.GetSpan(22);
        Utf8Formatter.TryFormat(value, span, out int n);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        Output.Advance(n);
        BytesWritten += n;
    }

    /// <summary>"VALUE key flags bytes [cas]\r\n" + data + "\r\n".</summary>
    public void Value(ReadOnlySpan<byte> key, uint flags, ReadOnlySpan<byte> data, ulong cas, bool withCas)
    {
        if (Muted) return;
        int header = 6 + key.Length + 1 + 10 + 1 + 10 + 1 + 20 + 2;
        bool small = header + data.Length + 2 <= ChunkThreshold;
        var span = Output.GetSpan(small ? header + data.Length + 2 : header);
        "VALUE "u8.CopyTo(span);
        int n = 6;
        key.CopyTo(span[n..]);
        n += key.Length;
        span[n++] = (byte)' ';
        Utf8Formatter.TryFormat(flags, span[n..], out int w);
        n += w;
        span[n++] = (byte)' ';
        Utf8Formatter.TryFormat(data.Length, span[n..], out w);
        n += w;
        if (withCas)
        {
            span[n++] = (byte)' ';
            Utf8Formatter.TryFormat(cas, span[n..], out w);
            n += w;
        }
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        if (small)
        {
            data.CopyTo(span[n..]);
            n += data.Length;
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
            Output.Advance(n);
            BytesWritten += n;
            return;
        }
        Output.Advance(n);
        BytesWritten += n;
        Raw(data);
        Raw("\r\n"u8);
    }

    /// <summary>Starts a meta reply ("VA 5", "HD", "EN"…); flags follow with <see cref="MetaFlag"/>, then <see cref="EndLine"/>.</summary>
    public void MetaCode(ReadOnlySpan<byte> code) => Raw(code);

    /// <summary>" X" + token: a return flag of a meta reply.</summary>
    public void MetaFlag(byte flag, ReadOnlySpan<byte> token)
    {
        if (Muted) return;
        var span = Output.GetSpan(2 + token.Length);
        span[0] = (byte)' ';
        span[1] = flag;
        token.CopyTo(span[2..]);
        Output.Advance(2 + token.Length);
        BytesWritten += 2 + token.Length;
    }

    public void MetaFlag(byte flag, long value)
    {
        if (Muted) return;
        var span = Output.GetSpan(22);
        span[0] = (byte)' ';
        span[1] = flag;
        Utf8Formatter.TryFormat(value, span[2..], out int n);
        Output.Advance(2 + n);
        BytesWritten += 2 + n;
    }

    public void MetaFlag(byte flag, ulong value)
    {
        if (Muted) return;
        var span = Output.GetSpan(22);
        span[0] = (byte)' ';
        span[1] = flag;
        Utf8Formatter.TryFormat(value, span[2..], out int n);
        Output.Advance(2 + n);
        BytesWritten += 2 + n;
    }

    public void Number(long value)
    {
        if (Muted) return;
        var span = Output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int n);
        Output.Advance(n);
        BytesWritten += n;
    }

    public void EndLine() => Raw("\r\n"u8);

    /// <summary>A data block of a meta "VA" reply: the bytes and CRLF.</summary>
    public void Data(ReadOnlySpan<byte> data)
    {
        Raw(data);
        Raw("\r\n"u8);
    }
}
