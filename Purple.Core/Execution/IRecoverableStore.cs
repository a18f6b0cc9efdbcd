using Purple.Core.Commands;

namespace Purple.Core.Execution;

/// <summary>
/// What durable storage needs from the engine beyond <see cref="IDataStore"/>: replaying recorded writes at their
/// original time, and a consistent image of every live key for a snapshot (docs/storage.md).
/// </summary>
public interface IRecoverableStore
{
    /// <summary>
    /// Applies a recorded write as of <paramref name="now"/> (Unix ms), with no capacity check: recovery rebuilds what
    /// was. The command is the caller's to drop afterwards, never to reuse or read: the store may keep its arrays.
    /// </summary>
    ExecResult Replay(WriteCommand command, long now);

    /// <summary>
    /// Replays <paramref name="writes"/> in order, as many calls of <see cref="Replay(WriteCommand, long)"/> would; a run
    /// lets the store fetch the keys of the writes ahead while it applies the current one. The commands are the
    /// caller's to drop afterwards, as for one.
    /// </summary>
    void Replay(ReadOnlySpan<RecordedWrite> writes);

    /// <summary>
    /// Starts an image of every live key at a point: <paramref name="atPoint"/> is called with every write held off, so
    /// what it returns (the journal position) describes exactly the state the image holds. The store goes on serving
    /// while the image is read; it is disposed before the next one is taken. Values are the store's as they were at
    /// the point, never later ones.
    /// </summary>
    StoreImage CaptureImage(Func<long> atPoint);

    /// <summary>
    /// Stores snapshot entries as they are (a key present is replaced), without a command per key and without recording
    /// them: the bulk path of recovery. Entries already expired are the caller's to skip. The entries' arrays become
    /// the store's: the caller drops them, never reads or reuses them.
    /// </summary>
    void Load(IReadOnlyList<ImageEntry> entries, long now);

    /// <summary>Deletes every key already expired (recovery drops them rather than leaving them for the sweep). Returns the count.</summary>
    long RemoveExpired();
}

/// <summary>A recorded write and the time it was applied at (Unix ms), for <see cref="IRecoverableStore.Replay(ReadOnlySpan{RecordedWrite})"/>.</summary>
public readonly record struct RecordedWrite(WriteCommand Command, long Now);

/// <summary>One key of a <see cref="StoreImage"/>: a string (with its memcached flags and content type) or a set.</summary>
public readonly record struct ImageEntry(int Db, byte[] Key, byte[]? String, byte[][]? Members, long ExpiresAt, uint ClientFlags, string? ContentType);

/// <summary>
/// Every live key at journal position <see cref="Sequence"/>, as it was at <see cref="TakenAt"/> (Unix ms). Read
/// <see cref="Entries"/> once; disposing ends the capture, whether the entries were read to their end or not.
/// </summary>
public abstract class StoreImage(long sequence, long takenAt) : IDisposable
{
    public long Sequence { get; } = sequence;

    public long TakenAt { get; } = takenAt;

    /// <summary>How long the store held off writes to set the point (logged with each snapshot).</summary>
    public TimeSpan Held { get; init; }

    /// <summary>The keys, each once, in no particular order; produced as they are read.</summary>
    public abstract IEnumerable<ImageEntry> Entries { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
