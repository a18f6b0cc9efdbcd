namespace Purple.Core;

/// <summary>A flag is a string "true"/"false" (DESIGN §3); reads also accept 1/0, in any case.</summary>
public static class FlagText
{
    public static bool TryParse(ReadOnlySpan<byte> text, out bool value)
    {
        value = false;
        if (text.SequenceEqual("1"u8)) return value = true;
        if (text.SequenceEqual("0"u8)) return true;
        if (text.Length == 4 && AsciiEquals(text, "true"u8)) return value = true;
        return text.Length == 5 && AsciiEquals(text, "false"u8);
    }

    /// <summary>The stored form: new arrays, since the engine keeps the array it is given.</summary>
    public static byte[] Format(bool value) => value ? "true"u8.ToArray() : "false"u8.ToArray();

    private static bool AsciiEquals(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lower)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if ((text[i] | 0x20) != lower[i]) return false;
        }
        return true;
    }
}
