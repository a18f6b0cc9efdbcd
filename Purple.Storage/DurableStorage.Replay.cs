using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Storage;

// Recovery's two readers. Each reads and checks on a thread of its own while this one applies what it has checked, so
// recovery takes about the longer of reading and applying rather than their sum (docs/storage.md, "Recovery").
public sealed partial class DurableStorage
{
    private const int ReadAhead = 16;

    private (long Keys, long ExpiredSkipped) LoadSnapshot(IRecoverableStore store, long sequence, int databases, long now)
    {
        var (header, chunks) = _backend.ReadSnapshot(sequence);
        uint crc = ~0u;
        long count = 0, rows = 0;
        long keys = 0, skipped = 0;
        Pipeline<ImageEntry>(
            produce: (take, emit) =>
            {
                foreach (var chunk in chunks)
                {
                    var entries = take();
                    entries.EnsureCapacity(SnapshotChunk.MaxRows);
                    if (!SnapshotChunk.TryDecode(chunk, entries, out string? problem)) throw new JournalCorruptException($"chunk {count + 1}: {problem}");
                    crc = Crc32C.Append(crc, (long)chunk.Crc);
                    count++;
                    rows += entries.Count;
                    emit(entries);
                }
            },
            consume: entries =>
            {
                skipped += DropExpired(entries, databases, now);
                store.Load(entries, now);
                keys += entries.Count;
            });
        if (count != header.Chunks || ~crc != header.Crc || rows != header.Keys)
            throw new JournalCorruptException($"its chunks do not add up to its header ({count} of {header.Chunks} chunks, {rows} of {header.Keys} keys read)");
        return (keys, skipped);
    }

    /// <summary>Removes the entries already expired at <paramref name="now"/>; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per chunk, for a million entries, before tiering would promote it
    private static long DropExpired(List<ImageEntry> entries, int databases, long now)
    {
        var span = CollectionsMarshal.AsSpan(entries);
        int live = 0;
        for (int i = 0; i < span.Length; i++)
        {
            ref readonly var entry = ref span[i];
            if (entry.Db >= databases) throw TooFewDatabases(entry.Db, databases);
            if (entry.ExpiresAt == 0 || entry.ExpiresAt > now) span[live++] = entry;
        }
        int dropped = span.Length - live;
        entries.RemoveRange(live, dropped);
        return dropped;
    }

    private sealed record JournalReplay(long Last, long Replayed, long Truncated, long? CutAt, string? Reason, bool Unreadable);

    private JournalReplay ReplayJournal(IRecoverableStore store, long baseSequence, int databases, List<long> unusable)
    {
        long expected = baseSequence + 1, truncated = 0, last = baseSequence, replayed = 0;
        long? cutAt = null;
        string? reason = null;
        bool unreadable = false;
        var writes = Array.Empty<RecordedWrite>();
        Pipeline<JournalRecord>(
            produce: (take, emit) =>
            {
                try
                {
                    foreach (var batch in _backend.ReadBatches(baseSequence))
                    {
                        if (cutAt is not null)
                        {
                            truncated += Math.Max(0, batch.Last - batch.First + 1);
                            continue;
                        }
                        if (batch.Last < expected) continue;
                        // A damaged row can hold any numbers: the capacity is only a hint, TryRead judges the range.
                        var records = take();
                        records.EnsureCapacity((int)Math.Clamp(batch.Last - batch.First + 1, 0, 65_536));
                        // Checked before continuity, so a damaged sequence number reads as damage (cut), not as missing records.
                        if (!JournalBatch.TryRead(batch.First, batch.Last, batch.Crc, batch.Body.Span, records, out string? problem))
                        {
                            cutAt = batch.First;
                            reason = problem;
                            truncated += Math.Max(0, batch.Last - Math.Max(batch.First, expected) + 1);
                            continue;
                        }
                        if (batch.First > expected)
                        {
                            throw new RecoveryException(
                                $"The journal in {_backend.Location} continues at position {batch.First}, but the data recovered so far ends at {expected - 1}: " +
                                $"records {expected}..{batch.First - 1} are missing" +
                                (unusable.Count > 0 ? $" (snapshots {string.Join(", ", unusable)} were unusable)" : "") +
                                ". Restore the missing snapshot files, or move the data directory aside to start empty.");
                        }
                        if (batch.First < expected) records.RemoveAll(r => r.Sequence < expected);
                        expected = batch.Last + 1;
                        emit(records);
                    }
                }
                catch (JournalCorruptException ex)
                {
                    reason = ex.Message;
                    unreadable = true;
                }
            },
            consume: records =>
            {
                if (records.Count == 0) return;
                ReplayBatch(store, CollectionsMarshal.AsSpan(records), ref writes, databases);
                last = records[^1].Sequence;
                replayed += records.Count;
            });
        return new JournalReplay(last, replayed, truncated, cutAt, reason, unreadable);
    }

    /// <summary>Replays one batch's records in one call, so the store can fetch the keys ahead of the one it applies.</summary>
    // Runs once per batch, for a million records, before tiering would promote it: a lambda's loop stayed at tier 0
    // through a whole recovery (docs/performance.md, "Replay with lookahead").
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReplayBatch(IRecoverableStore store, ReadOnlySpan<JournalRecord> records, ref RecordedWrite[] writes, int databases)
    {
        if (writes.Length < records.Length) writes = new RecordedWrite[Math.Max(records.Length, 2 * writes.Length)];
        for (int i = 0; i < records.Length; i++)
        {
            ref readonly var record = ref records[i];
            if (record.Command.Db >= databases) throw TooFewDatabases(record.Command.Db, databases);
            writes[i] = new RecordedWrite(record.Command, record.Now);
        }
        store.Replay(writes.AsSpan(0, records.Length));
        // Not kept past the batch: the commands are garbage once replayed.
        Array.Clear(writes, 0, records.Length);
    }

    /// <summary>
    /// Runs <paramref name="produce"/> on a thread of its own, handing lists to <paramref name="consume"/> on this one
    /// through a bounded queue. The producer takes each list from the first argument it is given and sends it with the
    /// second; once consumed, a list is cleared and handed back, so a recovery allocates a few dozen lists rather than
    /// one per batch or chunk (every allocation of a recovery is a fresh page: docs/performance.md). An exception on
    /// either side stops both and is rethrown here.
    /// </summary>
    private static void Pipeline<T>(Action<Func<List<T>>, Action<List<T>>> produce, Action<List<T>> consume)
    {
        using var queue = new BlockingCollection<List<T>>(ReadAhead);
        var spare = new ConcurrentQueue<List<T>>();
        using var stop = new CancellationTokenSource();
        Exception? produced = null;
        var producer = new Thread(() =>
        {
            try
            {
                produce(() => spare.TryDequeue(out var list) ? list : [], item => queue.Add(item, stop.Token));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                produced = ex;
            }
            finally
            {
                queue.CompleteAdding();
            }
        }) { IsBackground = true, Name = "purple-recovery-reader" };
        producer.Start();
        try
        {
            foreach (var item in queue.GetConsumingEnumerable())
            {
                consume(item);
                item.Clear();
                spare.Enqueue(item);
            }
        }
        catch
        {
            stop.Cancel();
            producer.Join();
            throw;
        }
        producer.Join();
        if (produced is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(produced);
    }
}
