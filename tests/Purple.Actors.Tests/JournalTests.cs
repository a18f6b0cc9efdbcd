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
    public void Replaying_in_runs_of_any_length_rebuilds_what_replaying_one_by_one_does()
    {
        // The run replay fetches keys ahead of the write it applies (PurpleEngine.Recovery.cs); what it applies must be
        // exactly the one-by-one replay, whatever the run's length against its lookahead.
        const int databases = 3;
        var time = new FakeTime();
        var journal = new RecordingJournal();
        var live = new PurpleEngine(new EngineOptions { Time = time, Databases = databases, Shards = 4, ActiveDefrag = false, Journal = journal });
        var rng = new Random(17);
        long hour = time.NowMs + 3_600_000;
        for (int i = 0; i < 6000; i++) live.Execute(RandomWrites.Next(rng, databases, hour));
        string expected = RandomWrites.Dump(live, databases);
        // Each replay gets commands of its own, as recovery's decoder makes them: a replay keeps the commands' arrays.
        var encoded = journal.Records.Select(r => (r.Now, Bytes: CommandCodec.ToArray(r.Command))).ToList();

        var oneByOne = new PurpleEngine(new EngineOptions { Time = time, Databases = databases, Shards = 4, ActiveDefrag = false });
        foreach (var (now, bytes) in encoded) oneByOne.Replay(CommandCodec.Read(bytes), now);
        Assert.Equal(expected, RandomWrites.Dump(oneByOne, databases));

        foreach (int longest in new[] { 1, 5, 41, 300, encoded.Count })
        {
            var inRuns = new PurpleEngine(new EngineOptions { Time = time, Databases = databases, Shards = 4, ActiveDefrag = false });
            var lengths = new Random(longest);
            for (int start = 0; start < encoded.Count;)
            {
                int length = Math.Min(lengths.Next(1, longest + 1), encoded.Count - start);
                var run = encoded.Skip(start).Take(length).Select(r => new RecordedWrite(CommandCodec.Read(r.Bytes), r.Now)).ToArray();
                inRuns.Replay(run);
                start += length;
            }
            Assert.Equal(expected, RandomWrites.Dump(inRuns, databases));
        }
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
