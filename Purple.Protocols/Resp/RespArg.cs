using System.Buffers.Text;
using System.Globalization;

namespace Purple.Protocols.Resp;

/// <summary>Parsing of numeric arguments with Redis's exact rules (string2ll / string2ld).</summary>
internal static class RespArg
{
    /// <summary>
    /// Redis's string2ll: optional '-', digits, no '+', no spaces, no leading zeros (except "0"),
    /// at most 20 characters, within long's range.
    /// </summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20) return false;
        if (s.Length == 1 && s[0] == (byte)'0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == (byte)'-')
        {
            negative = true;
            i = 1;
            if (s.Length == 1) return false;
        }
        if (s[i] < (byte)'1' || s[i] > (byte)'9') return false;
        ulong acc = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (acc > (ulong.MaxValue - d) / 10) return false;
            acc = acc * 10 + d;
        }
        if (negative)
        {
            if (acc > (ulong)long.MaxValue + 1) return false;
            value = unchecked(-(long)acc);
        }
        else
        {
            if (acc > long.MaxValue) return false;
            value = (long)acc;
        }
        return true;
    }

    public static bool TryParseInt32(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        if (!TryParseInt64(s, out long v) || v < int.MinValue || v > int.MaxValue) return false;
        value = (int)v;
        return true;
    }

    /// <summary>SCAN cursors are unsigned 64-bit decimals.</summary>
    public static bool TryParseCursor(ReadOnlySpan<byte> s, out ulong cursor) =>
        Utf8Parser.TryParse(s, out cursor, out int consumed) && consumed == s.Length && s.Length > 0 && s[0] != (byte)'+';

    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 256) return false;
        Span<char> chars = stackalloc char[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') return false;
            chars[i] = (char)s[i];
        }
        return double.TryParse(chars, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsNaN(value);
    }

    public static string ToText(ReadOnlySpan<byte> s) => System.Text.Encoding.UTF8.GetString(s);
}
