namespace Purple.Protocols.Resp;

public static partial class RespRequestParser
{
    // The fast path: the whole frame is in one contiguous span (the usual case for small commands).
    private static RespParseStatus ParseMultibulk(
        ReadOnlySpan<byte> s, RespCommandArgs args, RespLimits limits, out int consumed, out string? error)
    {
        consumed = 0;
        error = null;
        int maxLine = LineLimit(limits);

        // "*N\r": Redis looks for the CR only, then needs one more byte (the LF, which it does not check).
        int cr = IndexOfCr(s, 0, maxLine, out bool tooBig);
        if (tooBig) { error = TooBigMultibulkCount; return RespParseStatus.Error; }
        if (cr < 0 || cr + 1 >= s.Length) return RespParseStatus.Incomplete;
        if (!TryParseRedisInteger(s[1..cr], out long count) || count > limits.MaxMultiBulkCount)
        {
            error = InvalidMultibulkLength;
            return RespParseStatus.Error;
        }
        int pos = cr + 2;
        args.Begin(inline: false);
        if (count <= 0)
        {
            // Redis ignores "*0" and "*-1": nothing to run, nothing to reply.
            consumed = pos;
            return RespParseStatus.Complete;
        }

        long maxBulk = MaxBulk(limits);
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            cr = IndexOfCr(s, pos, maxLine, out tooBig);
            if (tooBig) { error = TooBigBulkCount; return RespParseStatus.Error; }
            if (cr < 0 || cr + 1 >= s.Length) return RespParseStatus.Incomplete;
            if (s[pos] != (byte)'$') { error = ExpectedDollar(s[pos]); return RespParseStatus.Error; }
            if (!TryParseRedisInteger(s[(pos + 1)..cr], out long length) || length < 0 || length > maxBulk
                || (total += length) > int.MaxValue)
            {
                error = InvalidBulkLength;
                return RespParseStatus.Error;
            }
            pos = cr + 2;
            // Redis skips the two bytes after the payload without checking they are CRLF; so do we.
            if (s.Length - pos < length + 2) return RespParseStatus.Incomplete;
            args.Stage(i, pos, (int)length);
            pos += (int)length + 2;
        }

        if (total > Array.MaxLength) { error = InvalidBulkLength; return RespParseStatus.Error; }
        var arena = args.PrepareArena((int)total);
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            int length = args.StagedLength(i);
            s.Slice((int)args.SourceOffset(i), length).CopyTo(arena[at..]);
            args.SetSlice(i, at, length);
            at += length;
        }
        args.Commit((int)count);
        consumed = pos;
        return RespParseStatus.Complete;
    }

    /// <summary>
    /// Index of the CR ending the line at <paramref name="start"/>, or -1. <paramref name="tooBig"/> when no CR
    /// comes within <paramref name="maxLine"/> bytes of the line start: Redis gives up on such a line once it
    /// holds more than that much without one, so we decide the same whatever the split of the input.
    /// </summary>
    private static int IndexOfCr(ReadOnlySpan<byte> s, int start, int maxLine, out bool tooBig)
    {
        int window = Math.Min(s.Length - start, maxLine + 1);
        int found = s.Slice(start, window).IndexOf((byte)'\r');
        tooBig = found < 0 && window == maxLine + 1;
        return found < 0 ? -1 : start + found;
    }
}
