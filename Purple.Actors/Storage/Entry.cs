using Purple.Core.Execution;

namespace Purple.Actors.Storage;

/// <summary>
/// One key. Kept to 64 bytes of object on x64 (header, method table, five 8-byte and two 4-byte fields)
/// because memory per key is the engine's main cost: rarely used metadata lives in <see cref="FlaggedString"/>
/// and the bucket hash is recomputed rather than stored (<see cref="HashNode"/>). The per-item state memcached's
/// meta commands need (<see cref="ItemState"/>) rides in the top bits of the CAS word rather than in a field.
/// A string's bytes are a byte[] that is never mutated once stored, so readers may return it.
/// </summary>
internal sealed class Entry : HashNode
{
    /// <summary>The CAS is a counter (<c>PurpleEngine.NextCas</c>) that cannot reach 2^61 — that is 73 years at
    /// a billion writes a second — so the word's top three bits are free for <see cref="ItemState"/>.</summary>
    public const ulong CasMask = (1UL << StateShift) - 1;
    private const int StateShift = 61;

    /// <summary>byte[] or <see cref="FlaggedString"/> for a string, <see cref="MemberSet"/> for a set.</summary>
    public object Value;
    /// <summary>Unix ms; 0 means no expiry.</summary>
    public long ExpiresAt;
    /// <summary>Low 61 bits: <see cref="Cas"/>. High 3 bits: <see cref="State"/>.</summary>
    private ulong _casAndState;
    /// <summary>
    /// LRU (and weak, none): ms since the engine epoch (wraps after 49 days; idle time is taken modulo 2^32).
    /// LFU: second-of-minute&lt;&lt;24 | minutes&lt;&lt;8 | counter (<see cref="Eviction.LfuCounter"/>).
    /// </summary>
    public uint Access;
    /// <summary>Position in the keyspace's TTL index for O(1) swap-remove; -1 when not indexed.</summary>
    public int ExpiryIndex = -1;

    public Entry(byte[] key, object value) : base(key)
    {
        Value = value;
    }

    /// <summary>Changes on every write of the key (never 0 for a stored key).</summary>
    public ulong Cas => _casAndState & CasMask;

    /// <summary>Fetched / stale / lease taken. Reset by every write that replaces the value (<see cref="NewValue"/>).</summary>
    public ItemState State
    {
        get => (ItemState)(_casAndState >> StateShift);
        set => _casAndState = (_casAndState & CasMask) | ((ulong)value << StateShift);
    }

    /// <summary>
    /// A write replaced the value: a new CAS and a fresh item — not fetched, not stale, lease free — as memcached
    /// links a new item on every store. Every protocol's writes go through here, so a RESP SET ends a lease too.
    /// </summary>
    public void NewValue(ulong cas) => _casAndState = cas & CasMask;

    /// <summary>A change that keeps the value (expiry, rename, invalidation): a new CAS, the state kept.</summary>
    public void NewVersion(ulong cas) => _casAndState = (cas & CasMask) | (_casAndState & ~CasMask);

    /// <summary>A read of the value (not a metadata read).</summary>
    public void MarkFetched() => _casAndState |= (ulong)ItemState.Fetched << StateShift;

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
