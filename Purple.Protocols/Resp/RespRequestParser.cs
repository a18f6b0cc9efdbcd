using System.Buffers;

namespace Purple.Protocols.Resp;

/// <summary>
/// Parses client requests the way Redis's processMultibulkBuffer/processInlineBuffer do, error texts
/// included. Stateless: an incomplete frame is parsed again from its start when more data arrives
/// (callers pass <c>examined = buffer.End</c> to the pipe so they are only woken by new bytes). Bulk
/// payloads are located first and copied into the argument arena only once the whole frame is present,
/// so a large value arriving in many reads is copied once.
/// </summary>
public static partial class RespRequestParser
{
    internal const string InvalidMultibulkLength = "ERR Protocol error: invalid multibulk length";
    internal const string InvalidBulkLength = "ERR Protocol error: invalid bulk length";
    internal const string TooBigInline = "ERR Protocol error: too big inline request";
    internal const string TooBigMultibulkCount = "ERR Protocol error: too big mbulk count string";
    internal const string TooBigBulkCount = "ERR Protocol error: too big bulk count string";
    internal const string UnbalancedQuotes = "ERR Protocol error: unbalanced quotes in request";

    internal static string ExpectedDollar(byte got) => $"ERR Protocol error: expected '$', got '{(char)got}'";

    /// <summary>
    /// Parses one request at the start of <paramref name="buffer"/>: a multibulk frame or an inline line.
    /// Complete: <paramref name="args"/> filled, <paramref name="consumed"/> just after the frame.
    /// Incomplete: need more data, <paramref name="consumed"/> = buffer.Start. Error: <paramref name="error"/>
    /// is Redis's text without the leading "-"; the caller replies with it and closes the connection.
    /// </summary>
    public static RespParseStatus TryParse(
        ReadOnlySequence<byte> buffer, RespCommandArgs args, RespLimits limits,
        out SequencePosition consumed, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(limits);
        consumed = buffer.Start;
        error = null;
        if (buffer.IsEmpty) return RespParseStatus.Incomplete;

        ReadOnlySpan<byte> first = buffer.FirstSpan;
        byte type = first.IsEmpty ? FirstByte(buffer) : first[0];
        RespParseStatus status;
        int used = 0;
        if (type == (byte)'*')
        {
            status = first.IsEmpty ? RespParseStatus.Incomplete : ParseMultibulk(first, args, limits, out used, out error);
            if (status == RespParseStatus.Incomplete && !buffer.IsSingleSegment)
                return ParseMultibulk(buffer, args, limits, out consumed, out error);
        }
        else
        {
            status = first.IsEmpty ? RespParseStatus.Incomplete : ParseInline(first, args, limits, out used, out error);
            if (status == RespParseStatus.Incomplete && !buffer.IsSingleSegment)
                return ParseInline(buffer, args, limits, out consumed, out error);
        }
        if (status == RespParseStatus.Complete) consumed = buffer.GetPosition(used);
        return status;
    }

    private static byte FirstByte(ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer)
        {
            if (!segment.IsEmpty) return segment.Span[0];
        }
        return 0;
    }

    /// <summary>
    /// Redis's string2ll: optional '-', no '+', no leading zeros (except "0" itself), no spaces, fits in
    /// 64 bits, at most 20 characters.
    /// </summary>
    internal static bool TryParseRedisInteger(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length >= 21) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        bool negative = s[0] == (byte)'-';
        int i = negative ? 1 : 0;
        if (i == s.Length || s[i] < (byte)'1' || s[i] > (byte)'9') return false;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    // Keeps "limit + 1" window arithmetic from overflowing when a limit is configured as int.MaxValue.
    private static int LineLimit(RespLimits limits) => Math.Clamp(limits.MaxInlineLength, 0, Array.MaxLength);

    /// <summary>Largest single bulk we accept: the configured limit, and never beyond what an arena can hold.</summary>
    private static long MaxBulk(RespLimits limits) => Math.Min(limits.MaxBulkLength, int.MaxValue);
}
