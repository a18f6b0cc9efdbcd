namespace Purple.Storage.Redis;

/// <summary>
/// Redis Cluster's key → slot rule (the cluster specification): CRC16-XMODEM of the key, or of its hash tag — the bytes
/// between the first '{' and the first '}' after it, when there are any — modulo 16384. Also a short tag for every
/// slot, so Purple can name internal keys (the metadata hash of a slot) that land on exactly that slot.
/// </summary>
public static class RedisSlot
{
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();
    private static readonly Lazy<byte[][]> Tags = new(BuildTags);

    public static int Of(ReadOnlySpan<byte> key)
    {
        int open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            int close = key[(open + 1)..].IndexOf((byte)'}');
            // An empty tag ("{}") does not count: the whole key is hashed.
            if (close > 0) key = key.Slice(open + 1, close);
        }
        return Crc16(key) & (Count - 1);
    }

    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (byte b in data) crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        return crc;
    }

    /// <summary>A hash tag (without braces) whose slot is <paramref name="slot"/>: "{tag}" in a key puts it there.</summary>
    public static byte[] TagOf(int slot) => Tags.Value[slot];

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            table[i] = (ushort)crc;
        }
        return table;
    }

    private static byte[][] BuildTags()
    {
        // Short alphanumeric strings, shortest first, until every slot has one (three characters cover all 16384).
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        var tags = new byte[Count][];
        int found = 0;
        var buffer = new byte[4];
        for (int length = 1; length <= 4 && found < Count; length++)
        {
            var digits = new int[length];
            while (true)
            {
                for (int i = 0; i < length; i++) buffer[i] = (byte)alphabet[digits[i]];
                var candidate = buffer.AsSpan(0, length);
                int slot = Crc16(candidate) & (Count - 1);
                if (tags[slot] is null)
                {
                    tags[slot] = candidate.ToArray();
                    if (++found == Count) break;
                }
                int at = length - 1;
                while (at >= 0 && ++digits[at] == alphabet.Length) digits[at--] = 0;
                if (at < 0) break;
            }
        }
        if (found < Count) throw new InvalidOperationException("no hash tag found for some slots");
        return tags;
    }
}
