namespace Purple.Core.Execution;

public enum ExecStatus : byte
{
    /// <summary>The command did what it asked.</summary>
    Ok = 0,
    /// <summary>A condition (NX, XX, MSETNX, RENAMENX) was not met; nothing changed.</summary>
    NotPerformed = 1,
    /// <summary>The key does not exist where the command needs it (memcached incr/append/cas/touch).</summary>
    Missing = 2,
    /// <summary>memcached cas: the item exists but its CAS differs.</summary>
    CasMismatch = 3,
    /// <summary>The command failed; see <see cref="ExecResult.Error"/>. Nothing changed.</summary>
    Failed = 4,
}

/// <summary>
/// What a write returned, protocol-neutral. Which fields are meaningful is stated on each command record.
/// A struct so the hot path allocates nothing beyond what it returns.
/// </summary>
public readonly struct ExecResult
{
    public ExecStatus Status { get; init; }
    public PurpleError Error { get; init; }
    public long Integer { get; init; }
    public byte[]? Value { get; init; }
    public byte[][]? Values { get; init; }
    /// <summary>Metadata of the string the command read or wrote (flags, CAS, expiry), when it has one.</summary>
    public StringItem Item { get; init; }

    public bool IsOk => Status == ExecStatus.Ok;

    public static ExecResult Ok() => new() { Status = ExecStatus.Ok };
    public static ExecResult Int(long value) => new() { Status = ExecStatus.Ok, Integer = value };
    public static ExecResult Bytes(byte[]? value) => new() { Status = ExecStatus.Ok, Value = value };
    public static ExecResult Many(byte[][] values) => new() { Status = ExecStatus.Ok, Values = values };
    public static ExecResult Fail(PurpleError error) => new() { Status = ExecStatus.Failed, Error = error };
    public static ExecResult Of(ExecStatus status) => new() { Status = status };

    public override string ToString() => Status == ExecStatus.Failed ? $"Failed({Error})" : $"{Status}(int={Integer})";
}

public enum ReadStatus : byte
{
    Found = 0,
    Missing = 1,
    WrongType = 2,
}

/// <summary>
/// A string as stored: its bytes (never mutated once stored, so it may be handed out without a copy)
/// and its metadata. <see cref="ExpiresAt"/> is Unix ms, 0 for none. <see cref="Cas"/> changes on every
/// write of the key and is never 0 for an existing item.
/// </summary>
public readonly record struct StringItem(byte[] Value, uint ClientFlags, ulong Cas, long ExpiresAt, string? ContentType);
