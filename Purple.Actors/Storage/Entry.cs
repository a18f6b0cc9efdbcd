using Purple.Core.Execution;

namespace Purple.Actors.Storage;

/// <summary>
/// One key. Kept to 64 bytes of object on x64 (header, method table, five 8-byte and two 4-byte fields)
/// because memory per key is the engine's main cost: rarely used metadata lives in <see cref="FlaggedString"/>
/// and the bucket hash is recomputed rather than stored (<see cref="HashNode"/>).
/// A string's bytes are a byte[] that is never mutated once stored, so readers may return it.
/// </summary>
internal sealed class Entry : HashNode
{
    /// <summary>byte[] or <see cref="FlaggedString"/> for a string, <see cref="MemberSet"/> for a set.</summary>
    public object Value;
    /// <summary>Unix ms; 0 means no expiry.</summary>
    public long ExpiresAt;
    public ulong Cas;
    /// <summary>LRU: ms since the engine epoch (wraps after 49 days; idle time is taken modulo 2^32). LFU: minutes&lt;&lt;8 | counter.</summary>
    public uint Access;
    /// <summary>Position in the keyspace's TTL index for O(1) swap-remove; -1 when not indexed.</summary>
    public int ExpiryIndex = -1;

    public Entry(byte[] key, object value) : base(key)
    {
        Value = value;
    }

    public bool IsString => Value is byte[] or FlaggedString;

    public byte[] StringValue => Value as byte[] ?? ((FlaggedString)Value).Bytes;

    public uint ClientFlags => (Value as FlaggedString)?.ClientFlags ?? 0;

    public string? ContentType => (Value as FlaggedString)?.ContentType;

    public MemberSet SetValue => (MemberSet)Value;

    public bool IsExpired(long now) => ExpiresAt != 0 && ExpiresAt <= now;

    /// <summary>Stores a string with its metadata; the holder is allocated only when there is metadata.</summary>
    public void SetString(byte[] bytes, uint clientFlags, string? contentType) =>
        Value = clientFlags == 0 && contentType is null ? bytes : new FlaggedString(bytes, clientFlags, contentType);

    /// <summary>Replaces a string's bytes, keeping its flags and content type.</summary>
    public void ReplaceBytes(byte[] bytes) => SetString(bytes, ClientFlags, ContentType);

    public StringItem ToItem()
    {
        var flagged = Value as FlaggedString;
        return flagged is null
            ? new(StringValue, 0, Cas, ExpiresAt, null)
            : new(flagged.Bytes, flagged.ClientFlags, Cas, ExpiresAt, flagged.ContentType);
    }
}
