using Purple.Core.Execution;

namespace Purple.Actors.Storage;

/// <summary>
/// One key. Kept to 64 bytes of object on x64 (header, method table, five 8-byte and two 4-byte fields)
/// because memory per key is the engine's main cost: rarely used metadata lives in <see cref="FlaggedString"/>
/// and the bucket hash is recomputed rather than stored (<see cref="HashNode"/>). The per-item state memcached's
/// meta commands need (<see cref="ItemState"/>) rides in the top bits of the CAS word rather than in a field.
/// A string's bytes are a byte[] that readers may return, so it is never mutated once anyone else may hold it: a write
/// copies a new value into the array in place only while the entry <see cref="OwnsBytes">owns</see> it — the engine
/// made the array itself and has not handed it out since (<see cref="ShareString"/>, <see cref="ToItem"/>). That keeps an
/// overwrite from allocating, so a key rewritten with values of one length leaves nothing for the GC to promote
/// (docs/performance.md, "Overwrites in place").
/// </summary>
internal sealed class Entry : HashNode
{
    /// <summary>The CAS is a counter (<c>PurpleEngine.NextCas</c>) that cannot reach 2^59 — that is 18 years at
    /// a billion writes a second — so the word's top three bits are free for <see cref="ItemState"/>, the one below
    /// them for <see cref="OwnsBytes"/> and the one below that for <see cref="ImageMark"/>.</summary>
    public const ulong CasMask = (1UL << ImageShift) - 1;
    private const int ImageShift = 59;
    /// <summary>The bit <see cref="ImageMark"/> reads; a shard flips its own copy when a snapshot's capture starts.</summary>
    public const ulong ImageBit = 1UL << ImageShift;
    private const int OwnedShift = 60;
    private const ulong OwnedBit = 1UL << OwnedShift;
    private const int StateShift = 61;
    private const ulong StateBits = 7UL << StateShift;

    /// <summary>byte[] or <see cref="FlaggedString"/> for a string, <see cref="MemberSet"/> for a set.</summary>
    public object Value;
    /// <summary>Unix ms; 0 means no expiry.</summary>
    public long ExpiresAt;
    /// <summary>Low 59 bits: <see cref="Cas"/>. Bit 59: <see cref="ImageMark"/>. Bit 60: the string's array is owned.
    /// High 3 bits: <see cref="State"/>.</summary>
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
        set => _casAndState = (_casAndState & ~StateBits) | ((ulong)value << StateShift);
    }

    /// <summary>
    /// A write replaced the value: a new CAS and a fresh item — not fetched, not stale, lease free — as memcached
    /// links a new item on every store. Every protocol's writes go through here, so a RESP SET ends a lease too.
    /// Whether the entry owns its array is a property of the array, and stays until the value is replaced.
    /// </summary>
    public void NewValue(ulong cas) => _casAndState = (cas & CasMask) | (_casAndState & (OwnedBit | ImageBit));

    /// <summary>A change that keeps the value (expiry, rename, invalidation): a new CAS, the state kept.</summary>
    public void NewVersion(ulong cas) => _casAndState = (cas & CasMask) | (_casAndState & ~CasMask);

    /// <summary>
    /// Whether the string's array (the value, or the bytes of its <see cref="FlaggedString"/>) is one only this entry
    /// holds: stored by <see cref="Adopt"/> and not handed out since. Only then may a write copy into it.
    /// </summary>
    public bool OwnsBytes => (_casAndState & OwnedBit) != 0;

    /// <summary>Writes <paramref name="bytes"/> over the owned string when it has their length and this metadata (the
    /// memory it costs is then the same); false, and nothing changed, otherwise.</summary>
    public bool TryOverwriteInPlace(ReadOnlySpan<byte> bytes, uint clientFlags, string? contentType)
    {
        if (!OwnsBytes) return false;
        byte[] owned;
        switch (Value)
        {
            case byte[] plain when clientFlags == 0 && contentType is null:
                owned = plain;
                break;
            case FlaggedString flagged when flagged.ClientFlags == clientFlags
                && string.Equals(flagged.ContentType, contentType, StringComparison.Ordinal):
                owned = flagged.Bytes;
                break;
            default:
                return false;
        }
        if (owned.Length != bytes.Length) return false;
        bytes.CopyTo(owned);
        return true;
    }

    /// <summary>Stores <paramref name="bytes"/> itself as a string the entry owns: only for an array nobody else holds
    /// or will read — a copy the shard just made of a request's or a command's bytes, or a command decoded for a replay
    /// (<c>PurpleEngine.Replay</c>).</summary>
    public void Adopt(byte[] bytes, uint clientFlags, string? contentType)
    {
        Value = clientFlags == 0 && contentType is null ? bytes : new FlaggedString(bytes, clientFlags, contentType);
        _casAndState |= OwnedBit;
    }

    /// <summary>
    /// Whether the running (or last) snapshot capture has taken this entry: it has when this equals its shard's mark
    /// (<c>Shard.Image.cs</c>). Kept through every write; only the shard sets it.
    /// </summary>
    public ulong ImageMark
    {
        get => _casAndState & ImageBit;
        set => _casAndState = (_casAndState & ~ImageBit) | value;
    }

    /// <summary>The string's bytes for a snapshot, which keeps them past the shard's lock: a copy when the entry owns
    /// its array (so it may go on writing into it), the array itself when it is already shared (never mutated).</summary>
    public byte[] StringForImage()
    {
        var bytes = Value as byte[] ?? ((FlaggedString)Value).Bytes;
        return OwnsBytes ? bytes.AsSpan().ToArray() : bytes;
    }

    /// <summary>The string's bytes, to read under the shard's lock without keeping them.</summary>
    public ReadOnlySpan<byte> StringSpan => Value as byte[] ?? ((FlaggedString)Value).Bytes;

    /// <summary>The string's array, for a caller that keeps it past the shard's lock: the entry no longer owns it.</summary>
    public byte[] ShareString()
    {
        _casAndState &= ~OwnedBit;
        return Value as byte[] ?? ((FlaggedString)Value).Bytes;
    }

    /// <summary>A read of the value (not a metadata read).</summary>
    public void MarkFetched() => _casAndState |= (ulong)ItemState.Fetched << StateShift;

    public bool IsString => Value is byte[] or FlaggedString;

    public uint ClientFlags => (Value as FlaggedString)?.ClientFlags ?? 0;

    public string? ContentType => (Value as FlaggedString)?.ContentType;

    public MemberSet SetValue => (MemberSet)Value;

    public bool IsExpired(long now) => ExpiresAt != 0 && ExpiresAt <= now;

    /// <summary>Stores a string with its metadata; the holder is allocated only when there is metadata. The array is
    /// not owned (the caller may hold it).</summary>
    public void SetString(byte[] bytes, uint clientFlags, string? contentType)
    {
        _casAndState &= ~OwnedBit;
        Value = clientFlags == 0 && contentType is null ? bytes : new FlaggedString(bytes, clientFlags, contentType);
    }

    /// <summary>Replaces a string's bytes, keeping its flags and content type.</summary>
    public void ReplaceBytes(byte[] bytes) => SetString(bytes, ClientFlags, ContentType);

    /// <summary>The item as it is now; its bytes are shared (<see cref="ShareString"/>).</summary>
    public StringItem ToItem() => ItemWith(ShareString());

    /// <summary>The item with <paramref name="bytes"/> for its value — a copy of the entry's own that the caller
    /// already holds — so the entry keeps owning its array.</summary>
    public StringItem ItemWith(byte[] bytes)
    {
        var flagged = Value as FlaggedString;
        return flagged is null
            ? new(bytes, 0, Cas, ExpiresAt, null)
            : new(bytes, flagged.ClientFlags, Cas, ExpiresAt, flagged.ContentType);
    }
}
