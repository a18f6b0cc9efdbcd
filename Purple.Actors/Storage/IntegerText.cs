using System.Buffers.Text;

namespace Purple.Actors.Storage;

/// <summary>Counter values are stored as decimal text, exactly as Redis and memcached keep them.</summary>
internal static class IntegerText
{
    /// <summary>
    /// Redis's string2ll rules: optional '-', no '+', no spaces, no leading zeros (so "-0" and "007" are not
    /// integers), at most 20 characters, and within the signed 64-bit range.
    /// </summary>
    public static bool TryParseRedis(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 20) return false;
        if (text.Length == 1 && text[0] == (byte)'0') return true;
        int i = 0;
        bool negative = text[0] == (byte)'-';
        if (negative) i++;
        if (i == text.Length || text[i] < (byte)'1' || text[i] > (byte)'9') return false;
        ulong magnitude = 0;
        for (; i < text.Length; i++)
        {
            uint digit = (uint)(text[i] - (byte)'0');
            if (digit > 9) return false;
            if (magnitude > (ulong.MaxValue - digit) / 10) return false;
            magnitude = magnitude * 10 + digit;
        }
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1) return false;
            value = unchecked(-(long)magnitude);
        }
        else
        {
            if (magnitude > long.MaxValue) return false;
            value = (long)magnitude;
        }
        return true;
    }

    /// <summary>
    /// Decimal texts of 0..9999, shared by every counter that holds them (Redis shares the same range of
    /// integer objects). Stored values are never mutated, so sharing is safe; it spares INCR an allocation
    /// and, more importantly, spares the GC the young reference an old entry would otherwise point to.
    /// </summary>
    private static readonly byte[][] SharedSmall = BuildSharedSmall();

    private const int SharedSmallCount = 10_000;

    private static byte[][] BuildSharedSmall()
    {
        var texts = new byte[SharedSmallCount][];
        for (int i = 0; i < texts.Length; i++) texts[i] = System.Text.Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return texts;
    }

    /// <summary>The longest decimal text of a 64-bit integer: 20 digits of ulong.MaxValue, or '-' and 19 of long.MinValue.</summary>
    public const int MaxDigits = 20;

    public static byte[] Format(long value)
    {
        if ((ulong)value < SharedSmallCount) return SharedSmall[value];
        Span<byte> buffer = stackalloc byte[MaxDigits];
        Utf8Formatter.TryFormat(value, buffer, out int written);
        return buffer[..written].ToArray();
    }

    public static byte[] Format(ulong value)
    {
        if (value < SharedSmallCount) return SharedSmall[value];
        Span<byte> buffer = stackalloc byte[MaxDigits];
        Utf8Formatter.TryFormat(value, buffer, out int written);
        return buffer[..written].ToArray();
    }
}
