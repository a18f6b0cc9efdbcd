using Purple.Core.Commands;

namespace Purple.Core.Execution;

/// <summary>
/// What durable storage needs from the engine beyond <see cref="IDataStore"/>: replaying recorded writes at their
/// original time, and a consistent image of every live key for a snapshot (docs/storage.md).
/// </summary>
public interface IRecoverableStore
{
    /// <summary>Applies a recorded write as of <paramref name="now"/> (Unix ms), with no capacity check: recovery rebuilds what was.</summary>
    ExecResult Replay(WriteCommand command, long now);

    /// <summary>
    /// Copies every live key while every shard is held, after calling <paramref name="atPoint"/> inside that hold:
    /// no write can be half-applied then, so what <paramref name="atPoint"/> returns (the journal position) describes
    /// exactly the state copied. Values are shared, not copied (stored byte arrays are never mutated); set members are
    /// copied into new arrays.
    /// </summary>
    StoreImage CaptureImage(Func<long> atPoint);

    /// <summary>
    /// Stores snapshot entries as they are (a key present is replaced), without a command per key and without recording
    /// them: the bulk path of recovery. Entries already expired are the caller's to skip.
    /// </summary>
    void Load(IReadOnlyList<ImageEntry> entries, long now);

    /// <summary>Deletes every key already expired (recovery drops them rather than leaving them for the sweep). Returns the count.</summary>
    long RemoveExpired();
}

/// <summary>One key of a <see cref="StoreImage"/>: a string (with its memcached flags and content type) or a set.</summary>
public readonly record struct ImageEntry(int Db, byte[] Key, byte[]? String, byte[][]? Members, long ExpiresAt, uint ClientFlags, string? ContentType);

/// <summary>Every live key at journal position <see cref="Sequence"/>, taken at <see cref="TakenAt"/> (Unix ms).</summary>
public sealed record StoreImage(long Sequence, long TakenAt, List<ImageEntry> Entries)
{
    /// <summary>How long the store stopped writes to take it (logged with each snapshot).</summary>
    public TimeSpan Held { get; init; }
}
