using Purple.Core.Commands;

namespace Purple.Actors.Storage;

/// <summary>
/// A string write as a shard applies it, from a command record or straight from a request's bytes. A record's arrays
/// are never mutated (WriteCommand), so its key is kept as it is for a new entry; a request's spans are copied only
/// when the shard keeps them (docs/performance.md, "Writes from the parsed request").
/// </summary>
internal ref struct StringWrite
{
    public ReadOnlySpan<byte> Key;
    /// <summary>The key as an array nobody mutates, kept as it is by a new entry; null when it must be copied.</summary>
    public byte[]? KeyArray;
    public ReadOnlySpan<byte> Value;
    /// <summary>The command's value, which the result's item carries; null from spans, when there is no item.</summary>
    public byte[]? ValueArray;
    /// <summary><see cref="ValueArray"/> is held by nobody else (a replay) and may be stored as it is.</summary>
    public bool AdoptValue;
    public long ExpiresAt;
    public SetCondition Condition;
    public SetOptions Options;
    public uint ClientFlags;
    public string? ContentType;
    public ulong ExpectedCas;

    public static StringWrite From(SetCommand c, bool adoptValue) => new()
    {
        Key = c.Key,
        KeyArray = c.Key,
        Value = c.Value,
        ValueArray = c.Value,
        AdoptValue = adoptValue,
        ExpiresAt = c.ExpiresAt,
        Condition = c.Condition,
        Options = c.Options,
        ClientFlags = c.ClientFlags,
        ContentType = c.ContentType,
        ExpectedCas = c.ExpectedCas,
    };

    /// <summary>A plain string (MSET's per key): no expiry, no condition, no metadata.</summary>
    public static StringWrite Plain(ReadOnlySpan<byte> key, byte[]? keyArray, ReadOnlySpan<byte> value, byte[]? valueArray, bool adoptValue) => new()
    {
        Key = key,
        KeyArray = keyArray,
        Value = value,
        ValueArray = valueArray,
        AdoptValue = adoptValue,
    };

    /// <summary>The key for a new entry to keep.</summary>
    public readonly byte[] OwnedKey() => KeyArray ?? Key.ToArray();
}
