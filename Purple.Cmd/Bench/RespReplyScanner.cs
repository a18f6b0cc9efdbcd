using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace Purple.Cmd.Bench;

/// <summary>What a reply was, as far as the benchmark needs to know to judge it.</summary>
internal enum ReplyKind : byte
{
    Simple,
    Error,
    Integer,
    Bulk,
    Null,
    Other,
}

/// <summary>
/// Finds where one RESP reply ends and what kind it is, without materialising it (Purple.Protocols'
/// RespReplyReader builds a tree per reply, which is what a client wants and a load generator cannot afford).
/// A simple string's or error's text, or an integer's value, is handed back for the check; aggregates are
/// skipped whole and reported as <see cref="ReplyKind.Other"/>.
/// </summary>
internal static class RespReplyScanner
{
    public enum Status
    {
        Complete,
        Incomplete,
        Malformed,
    }

    // Replies the benchmark sends for are flat; nesting deeper than this is a broken or hostile peer, not a reply.
    private const int MaxDepth = 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Status TryScan(ReadOnlySpan<byte> buffer, out int consumed, out ReplyKind kind, out ReadOnlySpan<byte> text, out long integer) =>
        TryScan(buffer, 0, out consumed, out kind, out text, out integer);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Status TryScan(ReadOnlySpan<byte> buffer, int depth, out int consumed, out ReplyKind kind, out ReadOnlySpan<byte> text, out long integer)
    {
        consumed = 0;
        kind = ReplyKind.Other;
        text = default;
        integer = 0;
        int eol = buffer.IndexOf("\r\n"u8);
        if (eol < 0) return buffer.Length > 64 * 1024 ? Status.Malformed : Status.Incomplete;
        if (eol == 0) return Status.Malformed;
        var line = buffer[1..eol];
        int header = eol + 2;
        switch (buffer[0])
        {
            case (byte)'+':
                kind = ReplyKind.Simple;
                text = line;
                consumed = header;
                return Status.Complete;
            case (byte)'-':
                kind = ReplyKind.Error;
                text = line;
                consumed = header;
                return Status.Complete;
            case (byte)':':
                if (!Utf8Parser.TryParse(line, out integer, out int used) || used != line.Length) return Status.Malformed;
                kind = ReplyKind.Integer;
                consumed = header;
                return Status.Complete;
            case (byte)'$':
                if (!Utf8Parser.TryParse(line, out long length, out int lengthUsed) || lengthUsed != line.Length || length < -1) return Status.Malformed;
                if (length == -1)
                {
                    kind = ReplyKind.Null;
                    consumed = header;
                    return Status.Complete;
                }
                if (buffer.Length - header < length + 2) return Status.Incomplete;
                if (buffer[header + (int)length] != '\r' || buffer[header + (int)length + 1] != '\n') return Status.Malformed;
                kind = ReplyKind.Bulk;
                consumed = header + (int)length + 2;
                return Status.Complete;
            case (byte)'*':
                return depth >= MaxDepth ? Status.Malformed : ScanArray(buffer, line, header, depth, out consumed, out kind);
            default:
                return Status.Malformed;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Status ScanArray(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> line, int header, int depth, out int consumed, out ReplyKind kind)
    {
        consumed = 0;
        kind = ReplyKind.Other;
        if (!Utf8Parser.TryParse(line, out long count, out int used) || used != line.Length || count < -1) return Status.Malformed;
        int at = header;
        for (long i = 0; i < count; i++)
        {
            var status = TryScan(buffer[at..], depth + 1, out int item, out _, out _, out _);
            if (status != Status.Complete) return status;
            at += item;
        }
        kind = count == -1 ? ReplyKind.Null : ReplyKind.Other;
        consumed = at;
        return Status.Complete;
    }
}
