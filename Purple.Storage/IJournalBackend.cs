namespace Purple.Storage;

/// <summary>
/// A stored group commit, as read back for recovery (checked by <see cref="JournalBatch.TryRead"/>). A batch read back
/// may be a view of the reader's one buffer: its body is valid until the next batch is read.
/// </summary>
public sealed record StoredBatch(long First, long Last, uint Crc, ReadOnlyMemory<byte> Body);

/// <summary>
/// A snapshot's header: the journal position it covers, when it was taken, how many chunks it has and the CRC chained
/// over theirs (so a missing, extra or reordered chunk is caught), and how many keys they hold.
/// </summary>
public sealed record SnapshotHeader(long Sequence, long TakenAt, long Chunks, uint Crc, long Keys);

/// <summary>One key of a snapshot: its database, key, and <see cref="SnapshotRow"/>-encoded body, with its own checksum.</summary>
public readonly record struct StoredSnapshotRow(int Db, byte[] Key, byte[] Body, uint Crc);

/// <summary>
/// Up to a thousand rows of a snapshot as stored (<see cref="SnapshotChunk"/>), with the chunk's checksum. A chunk being
/// written is a view of the encoder's buffer, and one read back may be a view of the reader's: valid until the next
/// chunk is asked for.
/// </summary>
public readonly record struct StoredSnapshotChunk(ReadOnlyMemory<byte> Body, uint Crc);

/// <summary>
/// Where the journal and snapshots live: SQLite files under --data-dir, or PostgreSQL tables (docs/storage.md).
/// Threading rule: the journal calls (<see cref="Append"/>, <see cref="Sync"/>, <see cref="DeleteThrough"/>) come
/// from one thread at a time (the group-commit thread, or recovery before it starts); snapshot calls come from the
/// snapshot thread and may run at the same time as journal calls, so an implementation keeps them on separate
/// connections. Recovery calls everything before either thread starts, except <see cref="CheckJournal"/>, which it runs
/// on a thread of its own beside its reads.
/// </summary>
public interface IJournalBackend : IDisposable
{
    /// <summary>Human-readable location for logs and INFO (a path or a server name; never a password).</summary>
    string Location { get; }

    /// <summary>
    /// Batches holding any record after <paramref name="after"/>, in sequence order (a snapshot covers the rest, so they
    /// are not even read). Throws <see cref="JournalCorruptException"/> where the store itself cannot be read.
    /// </summary>
    IEnumerable<StoredBatch> ReadBatches(long after = 0);

    /// <summary>Stores one group commit in one transaction, durable as the <see cref="FsyncMode"/> the backend was opened with.</summary>
    void Append(long first, long last, uint crc, ReadOnlySpan<byte> body);

    /// <summary>Forces everything appended so far to disk (the once-a-second sync of <see cref="FsyncMode.EverySecond"/>).</summary>
    void Sync();

    /// <summary>Drops the batch starting at <paramref name="first"/> and every later one (a corrupt tail found by recovery).</summary>
    void DeleteFrom(long first);

    /// <summary>
    /// Drops up to <paramref name="maxBatches"/> of the batches whose records all lie at or before
    /// <paramref name="sequence"/>, oldest first, in one transaction (compaction after a snapshot); true when none of
    /// them is left. Compaction goes a few batches at a time so that commits are never held up behind it for long.
    /// </summary>
    bool DeleteThrough(long sequence, int maxBatches);

    /// <summary>
    /// Checks the store's own structure (pages, indexes) beyond what <see cref="ReadBatches"/> visited; returns the
    /// problem, or null when it is sound. Recovery moves a journal with a problem aside rather than write into it.
    /// Recovery runs it on a thread of its own while it reads the snapshot and the journal (an exception to the one
    /// thread at a time rule), and never while anything writes.
    /// </summary>
    string? CheckJournal();

    /// <summary>Moves an unreadable journal aside and starts an empty one; returns where the old one went.</summary>
    string ResetCorruptJournal();

    /// <summary>Snapshot sequences present, newest first.</summary>
    IReadOnlyList<long> Snapshots();

    /// <summary>
    /// Writes a snapshot so that it appears whole or not at all. <paramref name="header"/> is asked for once every row
    /// has been enumerated (the chunks' count and checksum are known only then), and is stored with them. A chunk's body
    /// is written (or copied) before the next chunk is asked for: the encoder reuses its buffer.
    /// </summary>
    void WriteSnapshot(long sequence, IEnumerable<StoredSnapshotChunk> chunks, Func<SnapshotHeader> header);

    /// <summary>The header and rows of a snapshot. Throws <see cref="JournalCorruptException"/> when it cannot be read.</summary>
    (SnapshotHeader Header, IEnumerable<StoredSnapshotChunk> Chunks) ReadSnapshot(long sequence);

    void DeleteSnapshot(long sequence);

    /// <summary>Moves an unusable snapshot out of <see cref="Snapshots"/> (kept beside it for inspection); returns where it went.</summary>
    string QuarantineSnapshot(long sequence);
}

/// <summary>The store's own structure is unreadable at some point (not a checksum mismatch of ours).</summary>
public sealed class JournalCorruptException(string message, Exception? inner = null) : Exception(message, inner);
