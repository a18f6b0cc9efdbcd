namespace Purple.Actors.Storage;

/// <summary>
/// The memory formula (docs/engine.md). The constants approximate the real x64 heap cost so that CapacityBytes
/// means roughly what it says: an <see cref="Entry"/> is 80 bytes, the key and value arrays carry 24-byte
/// headers each, and a bucket slot is ~8–11 bytes (measured ≈ 138 in all) → 136. A set member is a 40-byte node, its array header and a
/// bucket slot → 72.
/// </summary>
internal static class MemoryCost
{
    public const int EntryOverhead = 136;
    public const int SetMemberOverhead = 72;

    public static long Of(Entry entry)
    {
        long value = entry.Value is byte[] bytes
            ? bytes.Length
            : ((MemberSet)entry.Value).MemberBytes + (long)((MemberSet)entry.Value).Count * SetMemberOverhead;
        return EntryOverhead + entry.Key.Length + value + (entry.ContentType?.Length ?? 0) * 2L;
    }
}
