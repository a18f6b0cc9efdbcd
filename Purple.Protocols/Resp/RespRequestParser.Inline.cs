using System.Buffers;

namespace Purple.Protocols.Resp;

public static partial class RespRequestParser
{
    private static RespParseStatus ParseInline(
        ReadOnlySpan<byte> s, RespCommandArgs args, RespLimits limits, out int consumed, out string? error)
    {
        consumed = 0;
        error = null;
        int maxLine = LineLimit(limits);
        int window = Math.Min(s.Length, maxLine + 1);
        int lf = s[..window].IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (window == maxLine + 1) { error = TooBigInline; return RespParseStatus.Error; }
            return RespParseStatus.Incomplete;
        }
        int length = lf > 0 && s[lf - 1] == (byte)'\r' ? lf - 1 : lf;
        args.Begin(inline: true);
        var arena = args.PrepareArena(length);
        if (!SplitInline(s[..length], arena, args)) { error = UnbalancedQuotes; return RespParseStatus.Error; }
        consumed = lf + 1;
        return RespParseStatus.Complete;
    }

    private static RespParseStatus ParseInline(
        ReadOnlySequence<byte> buffer, RespCommandArgs args, RespLimits limits,
        out SequencePosition consumed, out string? error)
    {
        consumed = buffer.Start;
        error = null;
        int maxLine = LineLimit(limits);
        long window = Math.Min(buffer.Length, maxLine + 1L);
        var position = buffer.Slice(0, window).PositionOf((byte)'\n');
        if (position is null)
        {
            if (window == maxLine + 1L) { error = TooBigInline; return RespParseStatus.Error; }
            return RespParseStatus.Incomplete;
        }
        var line = buffer.Slice(0, position.Value);
        int length = (int)line.Length;
        args.Begin(inline: true);
        // The line is at most MaxInlineLength bytes: make it contiguous in the arena and split it in place
        // (splitting never writes ahead of where it reads).
        var arena = args.PrepareArena(length);
        line.CopyTo(arena);
        if (length > 0 && arena[length - 1] == (byte)'\r') length--;
        if (!SplitInline(arena[..length], arena, args)) { error = UnbalancedQuotes; return RespParseStatus.Error; }
        consumed = buffer.GetPosition(1, position.Value);
        return RespParseStatus.Complete;
    }

    /// <summary>
    /// Redis's sdssplitargs: blank-separated words; "double quotes" with \n \r \t \b \a \xHH and \c escapes;
    /// 'single quotes' with only \' ; a closing quote must be followed by a blank or the end. The line is a
    /// C string to Redis, so a NUL byte ends it. Returns false on unbalanced quotes.
    /// </summary>
    private static bool SplitInline(ReadOnlySpan<byte> line, Span<byte> output, RespCommandArgs args)
    {
        int nul = line.IndexOf((byte)0);
        if (nul >= 0) line = line[..nul];
        int n = line.Length;
        int p = 0, w = 0, count = 0;
        while (true)
        {
            while (p < n && IsCSpace(line[p])) p++;
            if (p >= n) break;
            int start = w;
            bool inDouble = false, inSingle = false, done = false;
            while (!done)
            {
                byte c = At(line, p);
                if (inDouble)
                {
                    if (c == (byte)'\\' && At(line, p + 1) == (byte)'x' && IsHex(At(line, p + 2)) && IsHex(At(line, p + 3)))
                    {
                        output[w++] = (byte)((HexValue(At(line, p + 2)) << 4) | HexValue(At(line, p + 3)));
                        p += 3;
                    }
                    else if (c == (byte)'\\' && At(line, p + 1) != 0)
                    {
                        p++;
                        output[w++] = line[p] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            var other => other,
                        };
                    }
                    else if (c == (byte)'"')
                    {
                        if (At(line, p + 1) != 0 && !IsCSpace(At(line, p + 1))) return false;
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        output[w++] = c;
                    }
                }
                else if (inSingle)
                {
                    if (c == (byte)'\\' && At(line, p + 1) == (byte)'\'')
                    {
                        p++;
                        output[w++] = (byte)'\'';
                    }
                    else if (c == (byte)'\'')
                    {
                        if (At(line, p + 1) != 0 && !IsCSpace(At(line, p + 1))) return false;
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        output[w++] = c;
                    }
                }
                else
                {
                    switch (c)
                    {
                        case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0:
                            done = true;
                            break;
                        case (byte)'"':
                            inDouble = true;
                            break;
                        case (byte)'\'':
                            inSingle = true;
                            break;
                        default:
                            output[w++] = c;
                            break;
                    }
                }
                if (At(line, p) != 0) p++;
            }
            args.SetSlice(count++, start, w - start);
        }
        args.Commit(count);
        return true;
    }

    // Past the end reads as the C string's terminating NUL.
    private static byte At(ReadOnlySpan<byte> line, int i) => (uint)i < (uint)line.Length ? line[i] : (byte)0;

    // C isspace() in the "C" locale.
    private static bool IsCSpace(byte c) => c == (byte)' ' || (c >= (byte)'\t' && c <= (byte)'\r');

    private static bool IsHex(byte c) => char.IsAsciiHexDigit((char)c);

    private static int HexValue(byte c) => c <= (byte)'9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
