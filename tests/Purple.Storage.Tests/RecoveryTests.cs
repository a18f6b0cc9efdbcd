using Purple.Actors;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Storage.Tests.Node;

namespace Purple.Storage.Tests;

/// <summary>SQLite files under a data directory.</summary>
public sealed class SqliteRecoveryTests : RecoveryTests
{
    private protected override TestStore NewStore() => new DataDir();
}

/// <summary>PostgreSQL tables in a fresh schema of the server PURPLE_TEST_POSTGRES names.</summary>
public sealed class PostgresRecoveryTests : RecoveryTests
{
    private protected override TestStore NewStore() => new PostgresSchema();
}

/// <summary>
/// Recovery (docs/storage.md): what a node wrote comes back — from the journal alone, from a snapshot plus the journal
/// tail, with concurrent writers and snapshots — and damage is cut off, never replayed. The contract of every backend:
/// each test runs once per backend (<see cref="SqliteRecoveryTests"/>, <see cref="PostgresRecoveryTests"/>).
/// </summary>
public abstract class RecoveryTests
{
    /// <summary>A fresh, empty store of the backend under test.</summary>
    private protected abstract TestStore NewStore();

    private static void MixedWrites(PurpleEngine e, long now, int round = 0)
    {
        string r = round.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(ExecStatus.Ok, e.Execute(new SetCommand(0, B("plain" + r), B("v"))).Status);
        e.Execute(new SetCommand(1, B("ttl" + r), B("soon"), now + 3_600_000));
        e.Execute(new SetCommand(0, B("mc" + r), B("item"), ClientFlags: 42, ContentType: "text/x"));
        e.Execute(new IncrByCommand(0, B("counter"), 5));
        e.Execute(new IncrByCommand(0, B("counter"), -2));
        e.Execute(new AppendCommand(0, B("plain" + r), B("+more")));
        e.Execute(new SAddCommand(2, B("set" + r), [B("a"), B("b"), B("c")]));
        e.Execute(new SRemCommand(2, B("set" + r), [B("b")]));
        e.Execute(new ExpireCommand(2, B("set" + r), now + 7_200_000));
        e.Execute(new MSetCommand(3, [B("m1" + r), B("m2" + r)], [B("x"), B("y")]));
        e.Execute(new RenameCommand(3, B("m1" + r), B("renamed" + r)));
        e.Execute(new SetCommand(4, B("gone" + r), B("x")));
        e.Execute(new DeleteCommand(4, [B("gone" + r)]));
        e.Execute(new SPopCommand(2, B("set" + r), 1, 99));
        e.Execute(new SetCommand(5, B("doomed" + r), B("x")));
        e.Execute(new FlushDbCommand(5));
    }

    [Fact]
    public async Task The_journal_alone_brings_back_every_type_with_its_ttl_and_metadata()
    {
        using var dir = NewStore();
        string before;
        await using (var node = dir.Open())
        {
            MixedWrites(node.Engine, node.Time.NowMs);
            before = node.Dump();
        }
        Assert.Equal(0, dir.SnapshotCount());
        await using var again = dir.Open();
        Assert.Equal(before, again.Dump());
        Assert.Equal(0, again.Report!.SnapshotSequence);
        Assert.True(again.Report.JournalRecords >= 16, $"{again.Report.JournalRecords} records");
    }

    [Fact]
    public async Task A_snapshot_plus_the_journal_tail_brings_back_the_state_and_replays_only_the_tail()
    {
        using var dir = NewStore();
        string before;
        long tail;
        await using (var node = dir.Open())
        {
            MixedWrites(node.Engine, node.Time.NowMs, 0);
            var snapshot = node.Storage.Snapshot("test");
            Assert.True(snapshot.Ok, snapshot.Error);
            MixedWrites(node.Engine, node.Time.NowMs, 1);
            tail = node.Storage.Journal.LastAssigned - snapshot.Sequence;
            before = node.Dump();
        }
        await using var again = dir.Open();
        Assert.Equal(before, again.Dump());
        Assert.True(again.Report!.SnapshotSequence > 0);
        Assert.Equal(tail, again.Report.JournalRecords);
    }

    [Fact]
    public async Task Concurrent_writers_with_snapshots_taken_meanwhile_recover_to_the_same_state()
    {
        using var dir = NewStore();
        string before;
        await using (var node = dir.Open())
        {
            long now = node.Time.NowMs;
            // Every writer stops once halfway until one snapshot is taken: whatever a backend's snapshot costs next to
            // the writers' speed, recovery then has a snapshot inside the writes to start from.
            using var halfway = new CountdownEvent(4);
            using var resume = new ManualResetEventSlim();
            var writers = Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            {
                var rng = new Random(w);
                for (int i = 0; i < 3000; i++)
                {
                    if (i == 1500)
                    {
                        halfway.Signal();
                        Assert.True(resume.Wait(TimeSpan.FromSeconds(60)));
                    }
                    int db = rng.Next(3);
                    byte[] key = B("k" + rng.Next(200));
                    WriteCommand command = rng.Next(8) switch
                    {
                        0 => new SetCommand(db, key, B("v" + i), rng.Next(2) == 0 ? now + 100_000 + i : 0, ClientFlags: (uint)w),
                        1 => new IncrByCommand(db, B("n" + rng.Next(5)), 1),
                        2 => new AppendCommand(db, key, B("a")),
                        3 => new SAddCommand(db, B("s" + rng.Next(20)), [B("m" + rng.Next(50))]),
                        4 => new SRemCommand(db, B("s" + rng.Next(20)), [B("m" + rng.Next(50))]),
                        5 => new DeleteCommand(db, [key, B("k" + rng.Next(200))]),
                        6 => new MSetCommand(db, [key, B("k" + rng.Next(200))], [B("x"), B("y")]),
                        _ => new RenameCommand(db, key, B("k" + rng.Next(200))),
                    };
                    node.Engine.Execute(command);
                }
            })));
            Assert.True(halfway.Wait(TimeSpan.FromSeconds(60)));
            var midway = node.Storage.Snapshot("test");
            Assert.True(midway.Ok, midway.Error);
            resume.Set();
            while (!writers.IsCompleted)
            {
                var snapshot = node.Storage.Snapshot("test");
                Assert.True(snapshot.Ok, snapshot.Error);
                await Task.Delay(5);
            }
            await writers;
            before = node.Dump();
        }
        await using var again = dir.Open();
        Assert.Equal(before, again.Dump());
        Assert.True(again.Report!.SnapshotSequence > 0, string.Join("\n", again.Log.Lines));
    }

    [Fact]
    public async Task A_cas_conditioned_write_replays_as_its_effect_so_new_cas_numbers_cannot_change_it()
    {
        using var dir = NewStore();
        await using (var node = dir.Open())
        {
            node.Engine.Execute(new SetCommand(0, B("k"), B("v1")));
            Assert.Equal(ReadStatus.Found, node.Engine.TryGet(0, B("k"), out var item));
            Assert.Equal(ExecStatus.Ok, node.Engine.Execute(new SetCommand(0, B("k"), B("v2"), Condition: SetCondition.IfCasMatches, ExpectedCas: item.Cas)).Status);
            Assert.Equal(ExecStatus.CasMismatch, node.Engine.Execute(new SetCommand(0, B("k"), B("v3"), Condition: SetCondition.IfCasMatches, ExpectedCas: item.Cas)).Status);
        }
        await using var again = dir.Open();
        Assert.Equal(ReadStatus.Found, again.Engine.TryGet(0, B("k"), out var back));
        Assert.Equal("v2", S(back.Value));
    }

    [Fact]
    public async Task Keys_already_expired_at_recovery_are_dropped()
    {
        using var dir = NewStore();
        var time = new ManualTime(1_800_000_000_000);
        await using (var node = dir.Open(time: time))
        {
            node.Engine.Execute(new SetCommand(0, B("short"), B("x"), time.NowMs + 1000));
            node.Engine.Execute(new SetCommand(0, B("long"), B("x"), time.NowMs + 100_000));
            Assert.True(node.Storage.Snapshot("test").Ok);
            node.Engine.Execute(new SetCommand(0, B("short2"), B("x"), time.NowMs + 1000));
        }
        time.NowMs += 5000;
        await using var again = dir.Open(time: time);
        Assert.Equal(1, again.Engine.DbSize(0));
        Assert.Equal(1, again.Report!.SnapshotExpiredSkipped);
        Assert.Equal(1, again.Report.ExpiredRemoved);
        Assert.Equal(1, again.Engine.GetStats().KeysPerDb[0]);
    }

    [Fact]
    public async Task A_damaged_newest_snapshot_falls_back_to_the_previous_one_and_a_longer_tail()
    {
        using var dir = NewStore();
        string before;
        await using (var node = dir.Open())
        {
            MixedWrites(node.Engine, node.Time.NowMs, 0);
            Assert.True(node.Storage.Snapshot("one").Ok);
            MixedWrites(node.Engine, node.Time.NowMs, 1);
            Assert.True(node.Storage.Snapshot("two").Ok);
            MixedWrites(node.Engine, node.Time.NowMs, 2);
            before = node.Dump();
        }
        var snapshots = dir.SnapshotSequences();
        Assert.Equal(2, snapshots.Length);
        dir.DamageNewestSnapshotRow();
        await using var again = dir.Open();
        Assert.Equal(before, again.Dump());
        Assert.Single(again.Report!.UnusableSnapshots);
        Assert.Contains(again.Log.Lines, l => l.Contains("is unusable", StringComparison.Ordinal));
        Assert.True(dir.IsQuarantined(snapshots[^1]));
        Assert.Equal([snapshots[0]], dir.SnapshotSequences());
    }

    [Fact]
    public async Task A_damaged_journal_batch_and_everything_after_it_are_dropped_never_replayed()
    {
        using var dir = NewStore();
        await using (var node = dir.Open(FsyncMode.Always))
        {
            // With fsync always and one writer, each write is its own group commit.
            for (int i = 0; i < 20; i++)
            {
                node.Engine.Execute(new SetCommand(0, B("k" + i), B("v" + i)));
                await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned);
            }
        }
        dir.DamageBatch(11);
        await using (var again = dir.Open())
        {
            Assert.Equal(10, again.Engine.DbSize(0));
            for (int i = 0; i < 10; i++) Assert.Equal(ReadStatus.Found, again.Engine.TryGet(0, B("k" + i), out _));
            Assert.Equal(10, again.Report!.TruncatedRecords);
            Assert.Equal("checksum mismatch", again.Report.TruncationReason);
            // Writes continue the journal after the cut, and come back too.
            again.Engine.Execute(new SetCommand(0, B("after"), B("x")));
        }
        await using var third = dir.Open();
        Assert.Equal(11, third.Engine.DbSize(0));
        Assert.Equal(0, third.Report!.TruncatedRecords);
    }

    [Fact]
    public async Task A_journal_with_records_missing_in_the_middle_refuses_to_start_and_says_what_to_do()
    {
        using var dir = NewStore();
        await using (var node = dir.Open(FsyncMode.Always))
        {
            for (int i = 0; i < 5; i++)
            {
                node.Engine.Execute(new SetCommand(0, B("k" + i), B("v")));
                await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned);
            }
        }
        dir.DeleteBatch(3);
        await using var again = dir.Open(recover: false);
        var error = Assert.Throws<RecoveryException>(() => again.Storage.Recover(again.Engine, again.Engine.Databases));
        Assert.Contains("records 3..3 are missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("move the data directory aside", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_of_a_database_beyond_databases_refuses_to_start()
    {
        using var dir = NewStore();
        await using (var node = dir.Open())
        {
            node.Engine.Execute(new SetCommand(9, B("k"), B("v")));
        }
        await using var again = dir.Open(databases: 4, recover: false);
        var error = Assert.Throws<RecoveryException>(() => again.Storage.Recover(again.Engine, again.Engine.Databases));
        Assert.Contains("--databases 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_fsync_always_replies_wait_until_the_write_is_committed()
    {
        using var dir = NewStore();
        await using var node = dir.Open(FsyncMode.Always);
        IDurabilityBarrier barrier = node.Storage.Journal;
        Assert.False(barrier.MustWait(out _));
        node.Engine.Execute(new SetCommand(0, B("k"), B("v")));
        long assigned = node.Storage.Journal.LastAssigned;
        if (barrier.MustWait(out long target))
        {
            Assert.Equal(assigned, target);
            await barrier.WaitAsync(target).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        Assert.True(node.Storage.Journal.LastSynced >= assigned);
        Assert.False(barrier.MustWait(out _));
    }

    [Fact]
    public async Task Compaction_keeps_two_snapshots_and_the_journal_the_older_one_needs()
    {
        using var dir = NewStore();
        await using var node = dir.Open(FsyncMode.Always);
        var sequences = new List<long>();
        for (int round = 0; round < 4; round++)
        {
            node.Engine.Execute(new SetCommand(0, B("k" + round), B("v")));
            await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned);
            sequences.Add(node.Storage.Snapshot("test").Sequence);
        }
        Assert.Equal(2, dir.SnapshotCount());
        // Compaction runs on the commit thread; give it the write that wakes it.
        node.Engine.Execute(new SetCommand(0, B("wake"), B("v")));
        await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned);
        await Task.Delay(100);
        var firstBatches = dir.BatchFirsts();
        Assert.DoesNotContain(firstBatches, first => first <= sequences[^2]);
        Assert.Contains(firstBatches, first => first > sequences[^2]);
    }

    [Fact]
    public async Task A_snapshot_of_many_chunks_and_a_journal_of_many_batches_recover_exactly()
    {
        // More chunks and batches than recovery reads ahead, so the lists it hands back and reuses are reused many times.
        using var dir = NewStore();
        string before;
        await using (var node = dir.Open(FsyncMode.Always))
        {
            var keys = Enumerable.Range(0, 25_000).Select(i => B("key" + i)).ToArray();
            for (int i = 0; i < keys.Length; i += 500)
            {
                node.Engine.Execute(new MSetCommand(i % 3, keys[i..(i + 500)], keys[i..(i + 500)].Select(k => B("v" + k.Length)).ToArray()));
            }
            var snapshot = node.Storage.Snapshot("test");
            Assert.True(snapshot.Ok, snapshot.Error);
            // Waiting for each write makes each its own group commit.
            for (int i = 0; i < 60; i++)
            {
                node.Engine.Execute(new IncrByCommand(0, B("counter"), i));
                node.Engine.Execute(new SAddCommand(1, B("set"), [B("m" + i)]));
                await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            before = node.Dump();
        }
        await using var again = dir.Open();
        Assert.Equal(before, again.Dump());
        Assert.Equal(25_000, again.Report!.SnapshotKeys);
        Assert.Equal(120, again.Report.JournalRecords);
    }

    [Fact]
    public void Compaction_drops_the_oldest_covered_batches_a_few_at_a_time_and_says_when_it_is_done()
    {
        using var dir = NewStore();
        using var backend = dir.CreateBackend(FsyncMode.No);
        for (int i = 0; i < 10; i++) backend.Append(10L * i + 1, 10L * i + 10, (uint)i, new byte[] { (byte)i });
        // Batches 1..10 .. 41..50 lie wholly at or before 55; 51..60 does not.
        Assert.False(backend.DeleteThrough(55, 3));
        Assert.Equal([31L, 41, 51, 61, 71, 81, 91], backend.ReadBatches().Select(b => b.First));
        Assert.True(backend.DeleteThrough(55, 3));
        Assert.Equal([51L, 61, 71, 81, 91], backend.ReadBatches().Select(b => b.First));
        Assert.True(backend.DeleteThrough(55, 3));
        Assert.Equal(5, backend.ReadBatches().Count());
    }

    /// <summary>Bodies of sizes that grow and shrink, each filled from its index so a stale or shifted byte shows.</summary>
    private static byte[] Body(int index)
    {
        var body = new byte[index % 7 == 0 ? 60_000 + index : 300 + 37 * (index % 50)];
        for (int i = 0; i < body.Length; i++) body[i] = (byte)(index * 31 + i);
        return body;
    }

    [Fact]
    public void Batches_and_snapshot_chunks_read_back_whole_through_one_reused_buffer()
    {
        using var dir = NewStore();
        using var backend = dir.CreateBackend(FsyncMode.No);
        const int Count = 400;
        var bodies = Enumerable.Range(0, Count).Select(Body).ToArray();
        long stored = bodies.Sum(b => (long)b.Length);
        for (int i = 0; i < Count; i++) backend.Append(2L * i + 1, 2L * i + 2, (uint)i, bodies[i]);
        var chunks = bodies.Select((body, i) => new StoredSnapshotChunk(body, (uint)i)).ToList();
        backend.WriteSnapshot(2 * Count, chunks, () => new SnapshotHeader(2 * Count, 0, Count, 0, Count));

        // Each body is checked before the next is read: the contract says it lasts only until then.
        long before = GC.GetAllocatedBytesForCurrentThread();
        int batches = 0;
        foreach (var batch in backend.ReadBatches())
        {
            Assert.Equal(2L * batches + 1, batch.First);
            if (!batch.Body.Span.SequenceEqual(bodies[batches])) Assert.Fail($"batch {batches} reads back different bytes");
            batches++;
        }
        long batchAllocation = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Count, batches);

        before = GC.GetAllocatedBytesForCurrentThread();
        int read = 0;
        foreach (var chunk in backend.ReadSnapshot(2 * Count).Chunks)
        {
            Assert.Equal((uint)read, chunk.Crc);
            if (!chunk.Body.Span.SequenceEqual(bodies[read])) Assert.Fail($"chunk {read} reads back different bytes");
            read++;
        }
        long chunkAllocation = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Count, read);

        // An array per row would allocate at least what was stored; one growing buffer stays near the largest row.
        Assert.True(batchAllocation < stored / 4, $"reading {stored} bytes of batches allocated {batchAllocation}");
        Assert.True(chunkAllocation < stored / 4, $"reading {stored} bytes of chunks allocated {chunkAllocation}");
    }
}
