using Purple.Core.Execution;

namespace Purple.Actors.Storage;

/// <summary>
/// One key. Kept deliberately small (80 bytes of object on x64) because memory per key is the engine's main cost.
/// A string's <see cref="Value"/> is a byte[] that is never mutated once stored, so readers may return it.
/// </summary>
internal sealed class Entry : HashNode
{
    /// <summary>byte[] for a string, <see cref="MemberSet"/> for a set.</summary>
    public object Value;
    public string? ContentType;
    /// <summary>Unix ms; 0 means no expiry.</summary>
    public long ExpiresAt;
    public ulong Cas;
    public uint ClientFlags;
    /// <summary>LRU: ms since the engine epoch (wraps after 49 days; idle time is taken modulo 2^32). LFU: minutes&lt;&lt;8 | counter.</summary>
    public uint Access;
    /// <summary>Position in the keyspace's TTL index for O(1) swap-remove; -1 when not indexed.</summary>
    public int ExpiryIndex = -1;

    public Entry(byte[] key, uint hash, object value) : base(key, hash)
    {
        Value = value;
    }

    public bool IsString => Value is byte[];

    public byte[] StringValue => (byte[])Value;

    public MemberSet SetValue => (MemberSet)Value;

    public bool IsExpired(long now) => ExpiresAt != 0 && ExpiresAt <= now;

    public StringItem ToItem() => new(StringValue, ClientFlags, Cas, ExpiresAt, ContentType);
}
