using System.Globalization;

namespace Purple.Node.Configuration;

/// <summary>Sizes as people write them: 1024, 64K, 64KB, 512M, 512MB, 2G, 2GB (binary multiples, case-insensitive).</summary>
public static class ByteSize
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().ToUpperInvariant();
        long multiplier = 1;
        string[] suffixes = ["KB", "MB", "GB", "TB", "K", "M", "G", "T", "B"];
        foreach (var suffix in suffixes)
        {
            if (!s.EndsWith(suffix, StringComparison.Ordinal)) continue;
            multiplier = suffix[0] switch
            {
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => 1,
            };
            s = s[..^suffix.Length].TrimEnd();
            break;
        }
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long number)) return false;
        if (number > long.MaxValue / multiplier) return false;
        bytes = number * multiplier;
        return true;
    }

    public static string Format(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }
}
