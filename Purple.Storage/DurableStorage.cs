using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Storage;

/// <summary>Settings of a durable store (flags: docs/storage.md).</summary>
public sealed record DurableStorageOptions
{
    public FsyncMode Fsync { get; init; } = FsyncMode.EverySecond;
    /// <summary>A snapshot is taken once the journal has grown by this many bytes since the last one, or by the last snapshot's size if larger (Redis's auto-aof-rewrite rule).</summary>
    public long SnapshotMinJournalBytes { get; init; } = 64L << 20;
    /// <summary>Take a snapshot when the node stops, so the next start replays no journal.</summary>
    public bool SnapshotOnStop { get; init; } = true;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Bytes recovery may allocate before the GC runs (<see cref="RecoveryGcHold"/>); 0 leaves the GC alone.
    /// The GC mode is process-wide, so only a process that recovers one store at a time should set it (the node does).</summary>
    public long RecoveryGcBudgetBytes { get; init; }

    /// <summary>An eighth of the memory available to the process, at most 1 GB: the default capacity is half of
    /// it, so the data and the garbage held until recovery ends stay well inside a container's limit.</summary>
    public static long DefaultRecoveryGcBudget(long availableMemoryBytes) => Math.Min(availableMemoryBytes / 8, 1L << 30);
}

/// <summary>What recovery found and did; logged at startup and shown by INFO persistence.</summary>
public sealed record RecoveryReport(
    long SnapshotSequence, long SnapshotKeys, long SnapshotExpiredSkipped, long JournalRecords, long LastSequence,
    long TruncatedRecords, string? TruncationReason, IReadOnlyList<long> UnusableSnapshots, string? JournalMovedTo,
    long ExpiredRemoved, TimeSpan Duration);

/// <summary>Recovery refused to start because what is on disk cannot be made consistent; the message says what to do.</summary>
public sealed class RecoveryException(string message) : Exception(message);

/// <summary>Outcome of one snapshot (SAVE, BGSAVE, the journal-growth rule, or stop).</summary>
public sealed record SnapshotResult(bool Ok, long Sequence, long Keys, long Bytes, TimeSpan Duration, string? Error);

/// <summary>
/// A durable store around the in-memory engine (docs/storage.md): recovery from the newest usable snapshot plus the
/// journal tail, the group-commit journal the engine records into, and snapshots with journal compaction.
/// Order of use: construct; pass <see cref="Journal"/> as the engine's journal; <see cref="Recover"/>;
/// <see cref="Start"/>; serve; <see cref="StopAsync"/>.
/// </summary>
public sealed partial class DurableStorage : IAsyncDisposable
{
    private const int SnapshotsKept = 2;

    private readonly IJournalBackend _backend;
    private readonly DurableStorageOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _snapshotGate = new();
    private IRecoverableStore? _store;
    private Task? _scheduler;
    private readonly CancellationTokenSource _stop = new();
    private int _backgroundSnapshot;
    private int _scheduled;
    private long _bytesAtLastSnapshot;
    private long _lastSnapshotBytes;

    public DurableStorage(IJournalBackend backend, DurableStorageOptions options, ILogger logger)
    {
        _backend = backend;
        _options = options;
        _logger = logger;
        // A local file commits in a fsync's time and fails fast; a database server can stall for its timeout, which an
        // I/O thread must not sit out (docs/storage.md, "Who commits under always").
        Journal = new GroupCommitJournal(backend, options.Fsync, logger) { CommitOnBatchThreads = backend is SqliteJournalBackend };
    }

    public GroupCommitJournal Journal { get; }
    public string Location => _backend.Location;
    public RecoveryReport? Recovery { get; private set; }

    /// <summary>Journal position the newest snapshot covers (Redis: changes since the last save = assigned − this).</summary>
    public long LastSnapshotSequence { get; private set; }
    /// <summary>Unix seconds of the last successful snapshot, or of the start when none was taken yet (Redis LASTSAVE).</summary>
    public long LastSaveUnixSeconds { get; private set; }
    public SnapshotResult? LastSnapshot { get; private set; }
    public bool SnapshotInProgress => Volatile.Read(ref _inProgress) != 0;
    public long SnapshotsTaken;
    public long SnapshotsFailed;
    /// <summary>Seconds spent in snapshots, successful or not (metrics).</summary>
    public double SnapshotSecondsTotal { get; private set; }
    private int _inProgress;

    public RecoveryReport Recover(IRecoverableStore store, int databases)
    {
        _store = store;
        var clock = Stopwatch.StartNew();
        // Started first, on a thread and a connection of its own: it reads the whole journal file (80-110 ms for a
        // 1M-record journal here), so overlapping it with the snapshot load and the replay takes it off the recovery's
        // time (docs/performance.md).
        var check = Task.Factory.StartNew(_backend.CheckJournal, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return Recover(store, databases, clock, check);
        }
        finally
        {
            // A recovery that failed waits for it too: nothing moves or closes the journal under it.
            try
            {
                check.Wait();
            }
            catch (AggregateException)
            {
            }
        }
    }

    private RecoveryReport Recover(IRecoverableStore store, int databases, Stopwatch clock, Task<string?> check)
    {
        using var gcHold = RecoveryGcHold.Start(_options.RecoveryGcBudgetBytes);
        long now = _options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var unusable = new List<long>();
        long baseSequence = 0, snapshotKeys = 0, expiredSkipped = 0;
        foreach (long sequence in _backend.Snapshots())
        {
            try
            {
                (snapshotKeys, expiredSkipped) = LoadSnapshot(store, sequence, databases, now);
                baseSequence = sequence;
                break;
            }
            catch (JournalCorruptException ex)
            {
                unusable.Add(sequence);
                string aside = _backend.QuarantineSnapshot(sequence);
                _logger.LogWarning("Snapshot {Sequence} is unusable ({Reason}); moved to {Path}, trying the previous one", sequence, ex.Message, aside);
                store.Replay(new FlushAllCommand(), now);
                snapshotKeys = expiredSkipped = 0;
            }
        }

        var journal = ReplayJournal(store, baseSequence, databases, unusable);
        long last = journal.Last, replayed = journal.Replayed, truncated = journal.Truncated;
        string? truncation = journal.Reason, movedTo = null;
        long? cutAt = journal.CutAt;
        bool unreadable = journal.Unreadable;
        // Waited for whatever the replay found: an unreadable journal is moved aside next.
        string? damage = check.GetAwaiter().GetResult();
        if (!unreadable && damage is not null)
        {
            unreadable = true;
            truncation = truncation is null ? damage : $"{truncation}; {damage}";
        }
        if (!unreadable && cutAt is { } cut)
        {
            try
            {
                _backend.DeleteFrom(cut);
                _logger.LogWarning("Journal tail from position {Position} is corrupt ({Reason}): {Records} records dropped, never replayed",
                    cut, truncation, truncated);
            }
            catch (JournalCorruptException ex)
            {
                unreadable = true;
                truncation = $"{truncation}; {ex.Message}";
            }
        }
        if (unreadable) movedTo = _backend.ResetCorruptJournal();
        if (movedTo is not null)
        {
            _logger.LogWarning("Journal in {Location} is unreadable past position {Position} ({Reason}); moved to {Path} and a fresh journal started",
                _backend.Location, last, truncation, movedTo);
        }
        long expired = store.RemoveExpired();
        clock.Stop();
        LastSnapshotSequence = baseSequence;
        LastSaveUnixSeconds = _options.Time.GetUtcNow().ToUnixTimeSeconds();
        Recovery = new RecoveryReport(baseSequence, snapshotKeys, expiredSkipped, replayed, last, truncated, truncation, unusable,
            movedTo, expired, clock.Elapsed);
        _logger.LogInformation(
            "Recovered from {Location} in {Milliseconds} ms: snapshot at {Snapshot} ({Keys} keys), {Records} journal records replayed, {Expired} expired keys dropped",
            _backend.Location, (long)clock.Elapsed.TotalMilliseconds, baseSequence, snapshotKeys, replayed, expired + expiredSkipped);
        return Recovery;
    }

    private static RecoveryException TooFewDatabases(int db, int databases) => new(
        $"The stored data uses database {db}, but --databases is {databases}. Start with --databases {db + 1} or more.");

    /// <summary>Starts journaling after <see cref="Recover"/>, and the background snapshot rule.</summary>
    public void Start()
    {
        var recovery = Recovery ?? throw new InvalidOperationException("Recover before Start.");
        Journal.Start(recovery.LastSequence);
        // A journal moved aside took the records since the last snapshot with it: until a snapshot covers them,
        // they exist only in memory.
        if (recovery.JournalMovedTo is not null || recovery.TruncatedRecords > 0 && recovery.LastSequence > LastSnapshotSequence)
        {
            var result = Snapshot("recovery");
            if (!result.Ok) throw new RecoveryException($"The snapshot after recovery failed: {result.Error}. Check that {_backend.Location} is writable.");
        }
        _scheduler = Task.Run(ScheduleAsync);
    }

    private async Task ScheduleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                long grown = Interlocked.Read(ref Journal.BytesWritten) - _bytesAtLastSnapshot;
                if (grown >= Math.Max(_options.SnapshotMinJournalBytes, _lastSnapshotBytes)) Snapshot("journal growth");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>BGSAVE: false when a snapshot is already running or starting.</summary>
    public bool TryStartBackgroundSnapshot()
    {
        // Only the caller that took the flag may clear it: a refused second BGSAVE must not release the first one's.
        if (Interlocked.CompareExchange(ref _backgroundSnapshot, 1, 0) != 0) return false;
        if (SnapshotInProgress)
        {
            Volatile.Write(ref _backgroundSnapshot, 0);
            return false;
        }
        _ = Task.Run(() =>
        {
            try
            {
                TakeSnapshot("BGSAVE");
            }
            finally
            {
                Volatile.Write(ref _backgroundSnapshot, 0);
            }
            RunScheduled();
        });
        return true;
    }

    /// <summary>BGSAVE SCHEDULE while a snapshot runs: one more when it ends (a flag, not a queue). False when none runs.</summary>
    public bool ScheduleBackgroundSnapshot()
    {
        Volatile.Write(ref _scheduled, 1);
        // The running snapshot may have ended between the caller's failed start and the flag: start it here then.
        if (!SnapshotInProgress && Volatile.Read(ref _backgroundSnapshot) == 0) RunScheduled();
        return true;
    }

    private void RunScheduled()
    {
        if (Interlocked.Exchange(ref _scheduled, 0) == 1 && !TryStartBackgroundSnapshot()) Volatile.Write(ref _scheduled, 1);
    }

    /// <summary>Takes a snapshot now (SAVE), waiting for one in progress first. Never throws for storage errors.</summary>
    public SnapshotResult Snapshot(string reason)
    {
        var result = TakeSnapshot(reason);
        // A BGSAVE SCHEDULE that arrived while this one ran.
        RunScheduled();
        return result;
    }

    private SnapshotResult TakeSnapshot(string reason)
    {
        var store = _store ?? throw new InvalidOperationException("Recover before taking snapshots.");
        lock (_snapshotGate)
        {
            Volatile.Write(ref _inProgress, 1);
            var clock = Stopwatch.StartNew();
            long bytesBefore = Interlocked.Read(ref Journal.BytesWritten);
            var counts = new SnapshotCounts();
            StoreImage? image = null;
            try
            {
                image = store.CaptureImage(() => Journal.LastAssigned);
                long captured = (long)image.Held.TotalMilliseconds;
                _backend.WriteSnapshot(image.Sequence, Chunks(image, counts),
                    () => new SnapshotHeader(image.Sequence, image.TakenAt, counts.Chunks, ~counts.Crc, counts.Rows));
                var kept = _backend.Snapshots();
                for (int i = SnapshotsKept; i < kept.Count; i++) _backend.DeleteSnapshot(kept[i]);
                // The journal keeps what the older kept snapshot needs, so a damaged newest one can fall back to it.
                if (kept.Count >= SnapshotsKept) Journal.CompactThrough(kept[SnapshotsKept - 1]);
                clock.Stop();
                LastSnapshotSequence = image.Sequence;
                LastSaveUnixSeconds = _options.Time.GetUtcNow().ToUnixTimeSeconds();
                _bytesAtLastSnapshot = bytesBefore;
                _lastSnapshotBytes = counts.Bytes;
                Interlocked.Increment(ref SnapshotsTaken);
                _logger.LogInformation("Snapshot at position {Sequence} ({Reason}): {Keys} keys, {Bytes} bytes in {Milliseconds} ms ({Captured} ms holding the engine)",
                    image.Sequence, reason, counts.Rows, counts.Bytes, (long)clock.Elapsed.TotalMilliseconds, captured);
                return LastSnapshot = new SnapshotResult(true, image.Sequence, counts.Rows, counts.Bytes, clock.Elapsed, null);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A snapshot that fails leaves the previous ones and the whole journal in place; nothing is lost.
                Interlocked.Increment(ref SnapshotsFailed);
                _logger.LogError("Snapshot ({Reason}) to {Location} failed: {Error}", reason, _backend.Location, ex.Message);
                return LastSnapshot = new SnapshotResult(false, image?.Sequence ?? 0, counts.Rows, counts.Bytes, clock.Elapsed, ex.Message);
            }
            finally
            {
                // Ends the capture: the store marks what was not read and stops taking keys for it.
                image?.Dispose();
                SnapshotSecondsTotal += clock.Elapsed.TotalSeconds;
                Volatile.Write(ref _inProgress, 0);
            }
        }
    }

    private sealed class SnapshotCounts
    {
        public uint Crc = ~0u;
        public long Chunks;
        public long Rows;
        public long Bytes;
    }

    private static IEnumerable<StoredSnapshotChunk> Chunks(StoreImage image, SnapshotCounts counts)
    {
        foreach (var chunk in SnapshotChunk.Encode(image.Entries, rows => counts.Rows += rows))
        {
            counts.Crc = Crc32C.Append(counts.Crc, (long)chunk.Crc);
            counts.Chunks++;
            counts.Bytes += chunk.Body.Length;
            yield return chunk;
        }
    }

    /// <summary>Stops the snapshot rule, takes the final snapshot when anything changed, and drains the journal.</summary>
    public async ValueTask StopAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_scheduler is not null) await _scheduler.ConfigureAwait(false);
        if (_store is not null && Recovery is not null && _options.SnapshotOnStop && Journal.LastAssigned > LastSnapshotSequence)
            Snapshot("shutdown");
        Journal.Stop();
    }

    public async ValueTask DisposeAsync()
    {
        if (Recovery is not null) await StopAsync().ConfigureAwait(false);
        Journal.Dispose();
        _backend.Dispose();
        _stop.Dispose();
    }
}
