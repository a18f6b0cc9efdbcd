using System.Buffers.Text;
using System.Globalization;

namespace Purple.Protocols.Resp;

/// <summary>
/// Redis's d2string (7.2+): "nan", "inf", "-inf", "0"/"-0", integral values within ±LLONG_MAX/2 as
/// integers, everything else as the shortest digits that round-trip, laid out like printf's %.17g
/// (exponent form when the decimal exponent is below -4 or at least 17, with a sign and two or more digits).
/// </summary>
internal static class RespDoubleFormat
{
    public const int MaxLength = 32;

    private const double IntegralLimit = long.MaxValue / 2;

    public static int Format(double value, Span<byte> output)
    {
        if (double.IsNaN(value)) return Copy("nan"u8, output);
        if (double.IsPositiveInfinity(value)) return Copy("inf"u8, output);
        if (double.IsNegativeInfinity(value)) return Copy("-inf"u8, output);
        if (value == 0) return Copy(double.IsNegative(value) ? "-0"u8 : "0"u8, output);
        if (value >= -IntegralLimit && value <= IntegralLimit && value == Math.Floor(value))
        {
            Utf8Formatter.TryFormat((long)value, output, out int written);
            return written;
        }

        // .NET's "R" gives the shortest round-trip digits; only the layout needs changing.
        Span<byte> shortest = stackalloc byte[MaxLength];
        value.TryFormat(shortest, out int length, "R", CultureInfo.InvariantCulture);
        var text = shortest[..length];

        int pos = 0;
        if (text[0] == (byte)'-') { output[pos++] = (byte)'-'; text = text[1..]; }
        int e = text.IndexOf((byte)'E');
        int exponentPart = 0;
        if (e >= 0)
        {
            exponentPart = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        // Collect significant digits and the decimal exponent of the first one.
        Span<byte> digits = stackalloc byte[MaxLength];
        int count = 0, pointAt = text.IndexOf((byte)'.');
        if (pointAt < 0) pointAt = text.Length;
        int exponent = pointAt - 1 + exponentPart;
        bool leading = true;
        foreach (byte b in text)
        {
            if (b == (byte)'.') continue;
            if (leading && b == (byte)'0') { exponent--; continue; }
            leading = false;
            digits[count++] = b;
        }
        while (count > 1 && digits[count - 1] == (byte)'0') count--;

        if (exponent < -4 || exponent >= 17)
        {
            output[pos++] = digits[0];
            if (count > 1)
            {
                output[pos++] = (byte)'.';
                digits[1..count].CopyTo(output[pos..]);
                pos += count - 1;
            }
            output[pos++] = (byte)'e';
            output[pos++] = exponent < 0 ? (byte)'-' : (byte)'+';
            int abs = Math.Abs(exponent);
            if (abs < 10) output[pos++] = (byte)'0';
            Utf8Formatter.TryFormat(abs, output[pos..], out int w);
            return pos + w;
        }
        if (exponent < 0)
        {
            output[pos++] = (byte)'0';
            output[pos++] = (byte)'.';
            for (int i = -1; i > exponent; i--) output[pos++] = (byte)'0';
            digits[..count].CopyTo(output[pos..]);
            return pos + count;
        }
        for (int i = 0; i < Math.Max(count, exponent + 1); i++)
        {
            if (i == exponent + 1) output[pos++] = (byte)'.';
            output[pos++] = i < count ? digits[i] : (byte)'0';
        }
        return pos;
    }

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> output)
    {
        text.CopyTo(output);
        return text.Length;
    }
}
