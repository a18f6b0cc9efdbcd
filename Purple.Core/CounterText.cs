namespace Purple.Core;

/// <summary>
/// Redis's rule for the integer a counter holds (string2ll): optional '-', digits without leading zeros,
/// no '+', no "-0", no spaces, within a signed 64-bit range. Every surface reads counters with it, so a
/// value INCRBY refuses is refused everywhere.
/// </summary>
public static class CounterText
{
    public static bool TryParse(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 20) return false;
        if (text.Length == 1 && text[0] == (byte)'0') return true;
        bool negative = text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.Length == 0 || digits[0] is < (byte)'1' or > (byte)'9') return false;
        ulong magnitude = 0;
        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            ulong next = magnitude * 10 + (ulong)(b - '0');
            if (next < magnitude || magnitude > ulong.MaxValue / 10) return false;
            magnitude = next;
        }
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) return false;
            value = unchecked(-(long)magnitude);
            return true;
        }
        if (magnitude > long.MaxValue) return false;
        value = (long)magnitude;
        return true;
    }

    /// <summary>
    /// memcached's rule for incr/decr (safe_strtoull): optional leading spaces, decimal digits within an unsigned 64-bit
    /// range, optional trailing whitespace. The engine and the external-Redis store both read counters with it.
    /// </summary>
    public static bool TryParseMemcached(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        int i = 0;
        while (i < text.Length && text[i] == (byte)' ') i++;
        int digits = 0;
        for (; i < text.Length && text[i] >= (byte)'0' && text[i] <= (byte)'9'; i++, digits++)
        {
            uint digit = (uint)(text[i] - (byte)'0');
            if (value > (ulong.MaxValue - digit) / 10) return false;
            value = value * 10 + digit;
        }
        if (digits == 0) return false;
        for (; i < text.Length; i++)
        {
            if (text[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        }
        return true;
    }
}
