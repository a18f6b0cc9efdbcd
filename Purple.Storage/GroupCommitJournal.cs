using Microsoft.Extensions.Logging;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Storage;

/// <summary>
/// The engine's <see cref="IWriteJournal"/> for durable modes (docs/storage.md): <see cref="Record"/> takes a sequence
/// number and encodes the record into the filling buffer, under the caller's shard lock and without waiting on I/O; one
/// commit thread swaps that buffer for an empty one and writes what it took as one batch per transaction (group
/// commit), in sequence order, and forces it to disk as the <see cref="FsyncMode"/> says. It is also the
/// <see cref="IDurabilityBarrier"/> replies wait on; <see cref="JournalReplies"/> releases them.
/// Under <c>--fsync always</c> a record made on a <see cref="BatchThread"/> (an epoll I/O loop) is committed by that
/// thread at the end of its batch instead (docs/storage.md, "Who commits under always").
/// Threading: <see cref="Record"/> from any thread, under <c>_recordGate</c> (held only to encode one record or to swap
/// buffers); backend journal calls and the taken batch under <c>_commitGate</c> once started (the commit thread, or a
/// batch thread paying its debt).
/// </summary>
public sealed class GroupCommitJournal : IWriteJournal, IDurabilityBarrier, IBatchDebt, IDisposable
{
    /// <summary>Largest batch body per transaction; a longer backlog is written as several transactions.</summary>
    private const int MaxBatchBytes = 8 << 20;

    private readonly IJournalBackend _backend;
    private readonly FsyncMode _fsync;
    private readonly ILogger _logger;
    // Records are encoded as they are made, so no command object outlives its write and a batch is taken by swapping
    // buffers: a queue of records allocated a segment per 32k-1M records (large objects, so gen-2 collections) and
    // kept every command alive until its commit (docs/performance.md, "Durable writes without copies").
    private readonly Lock _recordGate = new();
    private JournalBuffer _filling = new();
    // Under _recordGate: the last sequence moved out of _filling (the next record in it is _takenThrough + 1).
    private long _takenThrough;
    // Blocks without spinning first: SemaphoreSlim spins ~140 rounds, mostly sched_yield, and on 2 cores that took CPU the
    // protocol threads needed to produce the next batch (docs/performance.md, "Durable writes: CPU per request").
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly Thread _thread;
    // Held around every backend call and the batch being built; a batch thread only tries it (see Pay).
    private readonly object _commitGate = new();
    // Under _commitGate: the batch taken from _filling, written from _takenOffset on (the record numbered _takenNext);
    // what a failed write left stays here for the next try.
    private JournalBuffer _taken = new();
    private int _takenOffset;
    private long _takenNext;
    private volatile bool _recording;
    private volatile bool _stopping;
    private volatile string? _fault;
    private int _sleeping;
    /// <summary>
    /// How long the commit thread lets writes gather after a wake-up when replies do not wait for it (everysec, no).
    /// At 1 ms an unpipelined load woke it ~800 times a second, and each wake-up preempted the I/O loop on its core:
    /// 5 ms cut its CPU by half and the loop's involuntary switches from ~10k to ~3k per 200k SETs (docs/performance.md).
    /// A SIGKILL can lose at most this much more of the acknowledged writes, well inside everysec's second.
    /// </summary>
    private const int LingerMs = 5;
    private bool _syncFailing;
    private long _assigned;
    private long _written;
    private long _synced;
    private long _compactThrough;
    private long _compacted;
    private TaskCompletionSource _progress = NewSignal();
    private readonly JournalReplies _replies;

    public GroupCommitJournal(IJournalBackend backend, FsyncMode fsync, ILogger logger)
    {
        _backend = backend;
        _fsync = fsync;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "purple-journal" };
        _replies = new JournalReplies(Reached, () => _fault);
    }

    /// <summary>Records queued but not yet written beyond which replies wait for the journal (any fsync mode): a slow disk slows clients instead of growing memory.</summary>
    public long MaxBacklog { get; init; } = 200_000;

    /// <summary>
    /// Under <c>--fsync always</c>, lets a <see cref="BatchThread"/> commit its own batch's records at the batch's end
    /// instead of waking the commit thread. Only for a backend whose commit cannot stall for long.
    /// </summary>
    public bool CommitOnBatchThreads { get; init; }

    public FsyncMode Fsync => _fsync;
    public long LastAssigned => Volatile.Read(ref _assigned);
    public long LastWritten => Volatile.Read(ref _written);
    public long LastSynced => Volatile.Read(ref _synced);
    /// <summary>Why the journal cannot write, or null when it can.</summary>
    public string? Fault => _fault;

    public long Commits;
    public long Syncs;
    public long BytesWritten;
    public long RecordsWritten;
    public long Failures;

    /// <summary>Starts recording after recovery: the next record gets <paramref name="lastSequence"/> + 1.</summary>
    public void Start(long lastSequence)
    {
        _assigned = _written = _synced = _compacted = _takenThrough = lastSequence;
        _recording = true;
        _replies.Start();
        _thread.Start();
    }

    public void Record(long now, WriteCommand command)
    {
        if (!_recording) return;
        lock (_recordGate)
        {
            JournalBatch.WriteRecord(_filling, now, command);
            // A full fence, as the enqueue was: the wake-up check below must not be read before this is published.
            Interlocked.Increment(ref _assigned);
        }
        Recorded();
    }

    public void RecordEncoded(long now, ReadOnlySpan<byte> command)
    {
        if (!_recording) return;
        lock (_recordGate)
        {
            JournalBatch.WriteEncodedRecord(_filling, now, command);
            Interlocked.Increment(ref _assigned);
        }
        Recorded();
    }

    private void Recorded()
    {
        if (_fsync == FsyncMode.Always && CommitOnBatchThreads && BatchThread.IsCurrent) BatchThread.Owe(this);
        else WakeCommitThread();
    }

    /// <summary>Whether records were made that the committer has not taken yet.</summary>
    private bool HasQueued => Volatile.Read(ref _assigned) > Volatile.Read(ref _takenThrough);

    private void WakeCommitThread()
    {
        if (Volatile.Read(ref _sleeping) != 0 && Interlocked.Exchange(ref _sleeping, 0) != 0) _wake.Set();
    }

    /// <summary>
    /// A batch thread commits what is queued, its own records and any others, and sends the replies that releases from
    /// here. It never waits: when another thread is committing, that thread looks at the queue again after it lets go
    /// of the gate; when the store fails, the commit thread takes over and retries.
    /// </summary>
    void IBatchDebt.Pay()
    {
        while (true)
        {
            if (_fault is not null || _stopping)
            {
                WakeCommitThread();
                return;
            }
            if (!Monitor.TryEnter(_commitGate)) return;
            bool written;
            try
            {
                written = CommitQueued(mayRetry: false);
            }
            finally
            {
                Monitor.Exit(_commitGate);
            }
            if (!written)
            {
                WakeCommitThread();
                return;
            }
            _replies.ReleaseHere();
            // Full fence: a thread that failed TryEnter had enqueued first; either it is seen here or it got the gate.
            Interlocked.MemoryBarrier();
            if (!HasQueued) return;
        }
    }

    void IBatchDebt.HandOff() => WakeCommitThread();

    /// <summary>Asks the commit thread to drop batches wholly at or before <paramref name="sequence"/> (after a snapshot).</summary>
    public void CompactThrough(long sequence)
    {
        long current;
        do
        {
            current = Volatile.Read(ref _compactThrough);
            if (sequence <= current) return;
        } while (Interlocked.CompareExchange(ref _compactThrough, sequence, current) != current);
        _wake.Set();
    }

    public bool MustWait(out long target)
    {
        long assigned = Volatile.Read(ref _assigned);
        if (_fault is not null)
        {
            target = assigned;
            return true;
        }
        if (_fsync == FsyncMode.Always)
        {
            target = assigned;
            return assigned > Volatile.Read(ref _synced);
        }
        target = assigned - MaxBacklog;
        return target > Volatile.Read(ref _written);
    }

    public ValueTask WaitAsync(long target, CancellationToken cancellation = default) => _replies.WaitAsync(target, cancellation);

    /// <summary>Completes once everything recorded so far is written (and synced, where the mode syncs).</summary>
    public ValueTask FlushAsync(CancellationToken cancellation = default)
    {
        long target = LastAssigned;
        return WaitForAsync(target, cancellation);
    }

    private async ValueTask WaitForAsync(long target, CancellationToken cancellation)
    {
        while (Volatile.Read(ref _written) < target)
        {
            var signal = Volatile.Read(ref _progress).Task;
            if (Volatile.Read(ref _written) >= target) break;
            await signal.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    private bool Reached(long target) =>
        (_fsync == FsyncMode.Always ? Volatile.Read(ref _synced) : Volatile.Read(ref _written)) >= target;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Signal(bool wakeReplies = true)
    {
        Interlocked.Exchange(ref _progress, NewSignal()).TrySetResult();
        if (wakeReplies) _replies.Wake();
    }

    private void Run()
    {
        try
        {
            Commit();
        }
        catch (Exception ex)
        {
            // A bug here must not take the process down silently with it: say so, and refuse to acknowledge more.
            _fault = "journal stopped: " + ex.GetType().Name;
            _logger.LogCritical(ex, "The journal's commit thread failed; writes are no longer made durable");
            Signal();
        }
    }

    private void Commit()
    {
        long lastSync = Environment.TickCount64;
        while (true)
        {
            _wake.Reset();
            // A full fence, not a release store: a writer records and then reads the flag, this thread sets the flag and
            // then reads what was recorded; with a plain store both could miss the other, and a record would wait out the timeout.
            Interlocked.Exchange(ref _sleeping, 1);
            if (!HasQueued && Volatile.Read(ref _compactThrough) <= _compacted)
            {
                if (_stopping && !HasUnwritten()) break;
                _wake.Wait(_fsync == FsyncMode.EverySecond && _written > _synced
                    ? (int)Math.Clamp(1000 - (Environment.TickCount64 - lastSync), 0, 1000)
                    : 1000);
            }
            Volatile.Write(ref _sleeping, 0);
            // Replies do not wait for the journal unless --fsync always: let a few milliseconds of writes gather, so a busy
            // node makes one transaction of hundreds of records instead of one per wake-up (LingerMs).
            if (_fsync != FsyncMode.Always && !_stopping) Thread.Sleep(LingerMs);
            // Under always the replies wait, so no sleep; but one turn for whatever else is runnable on this core (the
            // protocol threads, in the middle of a batch of requests) lets that batch's records join this transaction:
            // 14 -> 24 records per fsync on 2 cores, and 20-30 % more writes per second (docs/performance.md).
            else if (!_stopping) Thread.Yield();
            lock (_commitGate)
            {
                // False only when stopping with the store still refusing: what is left cannot be kept, and records queued
                // behind the dropped ones could never continue the journal, so waiting for them would never end.
                if (!CommitQueued(mayRetry: true)) return;
                if (_fsync == FsyncMode.EverySecond && Volatile.Read(ref _written) > Volatile.Read(ref _synced)
                    && (Environment.TickCount64 - lastSync >= 1000 || _stopping))
                {
                    SyncNow();
                    lastSync = Environment.TickCount64;
                }
                long compactThrough = Volatile.Read(ref _compactThrough);
                if (compactThrough > _compacted) Compact(compactThrough);
            }
        }
        lock (_commitGate)
        {
            if (_fsync == FsyncMode.EverySecond && _written > _synced) SyncNow();
        }
    }

    private bool HasUnwritten()
    {
        lock (_commitGate) return _takenOffset < _taken.WrittenCount || HasQueued;
    }

    /// <summary>
    /// Under the gate: writes what an earlier failure left, then takes what is queued and writes it. False when a write
    /// failed and <paramref name="mayRetry"/> is false (what failed stays taken, for the commit thread), or when the
    /// journal is stopping with the store still refusing.
    /// </summary>
    private bool CommitQueued(bool mayRetry)
    {
        if (!WriteTaken(mayRetry)) return false;
        lock (_recordGate)
        {
            long through = _assigned;
            if (through == _takenThrough) return true;
            (_filling, _taken) = (_taken, _filling);
            _takenNext = _takenThrough + 1;
            Volatile.Write(ref _takenThrough, through);
        }
        _takenOffset = 0;
        return WriteTaken(mayRetry);
    }

    /// <summary>Writes the taken batch from where it stands, as transactions of at most <see cref="MaxBatchBytes"/>.</summary>
    private bool WriteTaken(bool mayRetry)
    {
        ReadOnlySpan<byte> body = _taken.WrittenSpan;
        if (body.IsEmpty) return true;
        while (_takenOffset < body.Length)
        {
            int end = _takenOffset;
            int records = 0;
            do
            {
                end = JournalBatch.RecordEnd(body, end);
                records++;
            } while (end < body.Length && end - _takenOffset < MaxBatchBytes);
            long first = _takenNext;
            long last = first + records - 1;
            if (!Append(first, last, body[_takenOffset..end], mayRetry))
            {
                // Left for the commit thread, which retries: a batch thread must not sleep on a failing store.
                if (!mayRetry) return false;
                _logger.LogError("Journal stopped with {Records} records unwritten to {Location}", Volatile.Read(ref _assigned) - first + 1, _backend.Location);
                _taken.Clear();
                _takenOffset = 0;
                return false;
            }
            RecordsWritten += records;
            _takenOffset = end;
            _takenNext = last + 1;
        }
        _taken.Clear();
        _takenOffset = 0;
        return true;
    }

    /// <summary>
    /// False when the store refuses and <paramref name="mayRetry"/> is false, or when the journal is stopping and the
    /// store still refuses: what is left cannot be kept.
    /// </summary>
    private bool Append(long first, long last, ReadOnlySpan<byte> body, bool mayRetry)
    {
        uint crc = JournalBatch.Checksum(first, last, body);
        while (true)
        {
            try
            {
                _backend.Append(first, last, crc, body);
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Failures++;
                if (_fault is null) _logger.LogError("Journal write to {Location} failed, retrying every second: {Reason}", _backend.Location, ex.Message);
                _fault = "journal write failed: " + ex.Message;
                Signal();
                if (!mayRetry || (_stopping && Failures > 3)) return false;
                Thread.Sleep(1000);
            }
        }
        if (_fault is not null)
        {
            _logger.LogWarning("Journal writes to {Location} succeed again", _backend.Location);
            _fault = null;
        }
        Commits++;
        BytesWritten += body.Length;
        Volatile.Write(ref _written, last);
        // synchronous=FULL makes each committed transaction durable; "no" never syncs, so written is all there is.
        if (_fsync != FsyncMode.EverySecond) Volatile.Write(ref _synced, last);
        if (_fsync == FsyncMode.Always) Syncs++;
        // A batch thread releases the replies itself once it lets go of the gate (Pay).
        Signal(wakeReplies: mayRetry);
        return true;
    }

    private void SyncNow()
    {
        long written = Volatile.Read(ref _written);
        try
        {
            _backend.Sync();
            Syncs++;
            Volatile.Write(ref _synced, written);
            if (_syncFailing)
            {
                _syncFailing = false;
                _logger.LogWarning("Journal fsyncs of {Location} succeed again", _backend.Location);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Any backend's failure (a file's I/O error, a database server gone): synced stays behind, tried again in a
            // second; logged once per outage, as failed writes are.
            Failures++;
            if (!_syncFailing) _logger.LogError("Journal fsync of {Location} failed, retrying every second: {Reason}", _backend.Location, ex.Message);
            _syncFailing = true;
        }
    }

    // Batches dropped per hold of the commit gate: dropping ~80 MB of journal in one statement held every commit (and
    // under always every reply) 78 ms; between steps the batch threads' commits go through (docs/performance.md).
    private const int CompactionStep = 64;

    /// <summary>One step of compaction; the commit loop comes back for the next until it is done.</summary>
    private void Compact(long through)
    {
        try
        {
            if (_backend.DeleteThrough(through, CompactionStep)) _compacted = through;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Compaction only reclaims space; it is tried again after the next snapshot.
            _logger.LogWarning("Journal compaction of {Location} failed: {Reason}", _backend.Location, ex.Message);
            _compacted = through;
        }
    }

    /// <summary>Stops recording, writes and syncs what is queued, and ends the commit thread.</summary>
    public void Stop()
    {
        _recording = false;
        _stopping = true;
        _wake.Set();
        if (_thread.IsAlive) _thread.Join();
        _replies.Stop();
    }

    public void Dispose()
    {
        Stop();
        _wake.Dispose();
        _replies.Dispose();
    }
}
