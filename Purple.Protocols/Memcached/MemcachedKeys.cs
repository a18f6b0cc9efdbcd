namespace Purple.Protocols.Memcached;

internal static class MemcachedKeys
{
    /// <summary>
    /// memcached's rule, plus the one its docs state but its parser leaves to the client: 1..250 bytes with
    /// no control characters (space cannot occur: it separates tokens).
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> key, MemcachedLimits limits)
    {
        if (key.Length == 0 || key.Length > limits.MaxKeyLength) return false;
        foreach (byte b in key)
        {
            if (b < 0x21 || b == 0x7F) return false;
        }
        return true;
    }

    /// <summary>Longest key token a meta command may send: a base64 ("b" flag) key of the longest length.</summary>
    public static int MaxEncodedLength(MemcachedLimits limits) => (limits.MaxKeyLength + 2) / 3 * 4;
}
