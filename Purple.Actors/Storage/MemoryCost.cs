namespace Purple.Actors.Storage;

/// <summary>
/// The memory formula (docs/engine.md). The constants approximate the real x64 heap cost so that CapacityBytes
/// means roughly what it says: an <see cref="Entry"/> is 64 bytes, the key and value arrays carry 24-byte
/// headers each, and a bucket slot is ~8–11 bytes → 120. A string with flags or a content type adds its
/// 40-byte <see cref="FlaggedString"/>. A set member is a 32-byte node, its array header and a bucket slot → 64.
/// </summary>
internal static class MemoryCost
{
    public const int EntryOverhead = 120;
    public const int FlaggedStringOverhead = 40;
    public const int SetMemberOverhead = 64;

    public static long Of(Entry entry)
    {
        long value = entry.Value switch
        {
            byte[] bytes => bytes.Length,
            FlaggedString f => f.Bytes.Length + FlaggedStringOverhead + (f.ContentType?.Length ?? 0) * 2L,
            _ => ((MemberSet)entry.Value).MemberBytes + (long)((MemberSet)entry.Value).Count * SetMemberOverhead,
        };
        return EntryOverhead + entry.Key.Length + value;
    }
}
