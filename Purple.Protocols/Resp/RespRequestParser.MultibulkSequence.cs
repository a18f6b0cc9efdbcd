using System.Buffers;

namespace Purple.Protocols.Resp;

public static partial class RespRequestParser
{
    // The slow path: the frame spans segments (large values, or a frame cut by a read boundary).
    // Same decisions as the span path, in the same order.
    private static RespParseStatus ParseMultibulk(
        ReadOnlySequence<byte> buffer, RespCommandArgs args, RespLimits limits,
        out SequencePosition consumed, out string? error)
    {
        consumed = buffer.Start;
        error = null;
        int maxLine = LineLimit(limits);
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> number = stackalloc byte[21];

        long cr = IndexOfCr(reader.UnreadSequence, maxLine, out bool tooBig);
        if (tooBig) { error = TooBigMultibulkCount; return RespParseStatus.Error; }
        if (cr < 0 || cr + 1 >= reader.Remaining) return RespParseStatus.Incomplete;
        if (!TryReadNumber(ref reader, cr, number, out long count) || count > limits.MaxMultiBulkCount)
        {
            error = InvalidMultibulkLength;
            return RespParseStatus.Error;
        }
        args.Begin(inline: false);
        if (count <= 0)
        {
            consumed = reader.Position;
            return RespParseStatus.Complete;
        }

        long maxBulk = MaxBulk(limits);
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            cr = IndexOfCr(reader.UnreadSequence, maxLine, out tooBig);
            if (tooBig) { error = TooBigBulkCount; return RespParseStatus.Error; }
            if (cr < 0 || cr + 1 >= reader.Remaining) return RespParseStatus.Incomplete;
            reader.TryPeek(out byte type);
            if (type != (byte)'$') { error = ExpectedDollar(type); return RespParseStatus.Error; }
            if (!TryReadNumber(ref reader, cr, number, out long length) || length < 0 || length > maxBulk
                || (total += length) > int.MaxValue)
            {
                error = InvalidBulkLength;
                return RespParseStatus.Error;
            }
            if (reader.Remaining < length + 2) return RespParseStatus.Incomplete;
            args.Stage(i, reader.Consumed, (int)length);
            reader.Advance(length + 2);
        }

        if (total > Array.MaxLength) { error = InvalidBulkLength; return RespParseStatus.Error; }
        consumed = reader.Position;
        var arena = args.PrepareArena((int)total);
        var copier = new SequenceReader<byte>(buffer);
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            int length = args.StagedLength(i);
            copier.Advance(args.SourceOffset(i) - copier.Consumed);
            copier.TryCopyTo(arena.Slice(at, length));
            copier.Advance(length);
            args.SetSlice(i, at, length);
            at += length;
        }
        args.Commit((int)count);
        return RespParseStatus.Complete;
    }

    /// <summary>
    /// Parses the number between the type byte and the CR at <paramref name="cr"/> (relative to the reader)
    /// and advances past the line's two-byte terminator.
    /// </summary>
    private static bool TryReadNumber(ref SequenceReader<byte> reader, long cr, scoped Span<byte> scratch, out long value)
    {
        value = 0;
        long digits = cr - 1;
        bool ok = false;
        // Longer than string2ll's 20 characters is invalid whatever it holds.
        if (digits < scratch.Length)
        {
            var text = scratch[..(int)digits];
            reader.UnreadSequence.Slice(1, digits).CopyTo(text);
            ok = TryParseRedisInteger(text, out value);
        }
        reader.Advance(cr + 2);
        return ok;
    }

    /// <summary>Sequence form of the span <c>IndexOfCr</c>: index relative to the start of <paramref name="unread"/>.</summary>
    private static long IndexOfCr(ReadOnlySequence<byte> unread, int maxLine, out bool tooBig)
    {
        long window = Math.Min(unread.Length, maxLine + 1L);
        long offset = 0;
        foreach (var segment in unread)
        {
            var span = segment.Span;
            int take = (int)Math.Min(span.Length, window - offset);
            int found = span[..take].IndexOf((byte)'\r');
            if (found >= 0) { tooBig = false; return offset + found; }
            offset += take;
            if (offset >= window) break;
        }
        tooBig = window == maxLine + 1L;
        return -1;
    }
}
