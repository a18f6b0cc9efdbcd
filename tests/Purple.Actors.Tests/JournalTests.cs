using System.Collections.Concurrent;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>
/// The write journal hook (docs/storage.md): records arrive under the shard locks, so replaying them in the
/// order they arrived rebuilds the same state — with several writers at once, multi-key commands and evictions.
/// </summary>
public class JournalTests
{
    private sealed class RecordingJournal : IWriteJournal
    {
        public ConcurrentQueue<(long Now, WriteCommand Command)> Records { get; } = new();

        public void Record(long now, WriteCommand command) => Records.Enqueue((now, command));
    }

    [Fact]
    public void Replaying_the_records_in_arrival_order_rebuilds_the_state_of_concurrent_writers_with_evictions()
    {
        const int databases = 3;
        var time = new FakeTime();
        var journal = new RecordingJournal();
        var live = new PurpleEngine(new EngineOptions
        {
            Time = time, Databases = databases, Shards = 8, CapacityBytes = 32 * 1024,
            Eviction = EvictionPolicy.Lru, Scope = EvictionScope.All, ActiveDefrag = false, Journal = journal,
        });
        long hour = time.NowMs + 3_600_000;
        Parallel.For(0, 4, worker =>
        {
            var rng = new Random(worker * 7919 + 1);
            for (int i = 0; i < 4000; i++)
            {
                var command = RandomWrites.Next(rng, databases, hour);
                live.Execute(command);
            }
        });
        Assert.True(live.GetStats().EvictedKeys > 0, "the load must have evicted, so evictions are part of what is replayed");

        var replayed = new PurpleEngine(new EngineOptions { Time = time, Databases = databases, Shards = 8, CapacityBytes = 1L << 30, ActiveDefrag = false });
        foreach (var (now, command) in journal.Records) replayed.Apply(command, now);

        string expected = RandomWrites.Dump(live, databases);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, RandomWrites.Dump(replayed, databases));
    }

    [Fact]
    public void Nothing_is_recorded_for_reads_or_for_writes_refused_for_memory()
    {
        var journal = new RecordingJournal();
        var e = new PurpleEngine(new EngineOptions { CapacityBytes = 4 * 1024, Eviction = EvictionPolicy.None, ActiveDefrag = false, Journal = journal });
        Assert.True(e.Execute(new SetCommand(0, B("a"), B("1"))).IsOk);
        e.TryGet(0, B("a"), out _);
        e.SetMembers(0, B("none"), out _);
        ExecResult refused;
        int i = 0;
        do refused = e.Execute(new SetCommand(0, B("fill" + i++), new byte[512]));
        while (refused.IsOk);
        Assert.Equal(Purple.Core.PurpleError.OutOfMemory, refused.Error);
        Assert.Equal(i, journal.Records.Count);   // "a" and the i - 1 fills stored, not the refused one
        Assert.All(journal.Records, r => Assert.IsType<SetCommand>(r.Command));
    }
}
