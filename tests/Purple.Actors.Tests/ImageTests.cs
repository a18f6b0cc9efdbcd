using Purple.Core.Execution;
using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>
/// A snapshot's image: every live key exactly once with its value, TTL and metadata, and no expired key; read while
/// writes go on, each key as it was at the image's point (docs/storage.md, "Snapshots while writes go on").
/// </summary>
public class ImageTests
{
    [Fact]
    public void The_image_holds_every_live_key_once_with_its_state_and_no_expired_key()
    {
        var time = new FakeTime();
        var e = Engine(time, shards: 4);
        var expected = new Dictionary<(int Db, string Key), string>();
        // Keyspaces from one key to more than a walk's slice, spread over four shards.
        int[] sizes = [1, 2, 7, 8, 9, 33, 1000];
        for (int db = 0; db < sizes.Length; db++)
        {
            for (int i = 0; i < sizes[db]; i++)
            {
                string key = $"k{db}-{i}";
                e.Set(key, "v" + i, db: db);
                expected[(db, key)] = "v" + i;
            }
        }
        e.Execute(new SetCommand(0, B("meta"), B("m"), time.NowMs + 60_000, ClientFlags: 42, ContentType: "text/plain"));
        expected[(0, "meta")] = "m";
        e.Execute(new SAddCommand(3, B("set"), [B("a"), B("b")]));
        e.Execute(new SetCommand(5, B("gone"), B("x"), time.NowMs + 10));
        time.Advance(11);

        using var image = e.CaptureImage(() => 77);
        var entries = image.Entries.ToList();

        Assert.Equal(77, image.Sequence);
        var strings = entries.Where(x => x.String is not null).ToList();
        Assert.Equal(expected.Count, strings.Count);
        Assert.Equal(expected.OrderBy(p => p.Key), strings.Select(x => KeyValuePair.Create((x.Db, S(x.Key)), S(x.String))).OrderBy(p => p.Key));
        var meta = Assert.Single(strings, x => S(x.Key) == "meta");
        Assert.Equal((42u, "text/plain", time.NowMs - 11 + 60_000), (meta.ClientFlags, meta.ContentType, meta.ExpiresAt));
        var set = Assert.Single(entries, x => x.Members is not null);
        Assert.Equal((3, "set"), (set.Db, S(set.Key)));
        Assert.Equal(["a", "b"], set.Members!.Select(S).Order());
        Assert.DoesNotContain(entries, x => S(x.Key) == "gone");
    }

    private static PurpleEngine Busy(FakeTime time, int databases) => new(new EngineOptions
    {
        // Small enough that the writes evict, so evictions take part too.
        Time = time, Databases = databases, Shards = 8, CapacityBytes = 48 * 1024,
        Eviction = EvictionPolicy.Lru, Scope = EvictionScope.All, ActiveDefrag = false,
    });

    /// <summary>An image taken with the state dumped at its point, read with <paramref name="afterEach"/> (given the
    /// count read so far) run between entries; both in <see cref="RandomWrites.Dump(PurpleEngine, int)"/>'s form.</summary>
    private static (string AtPoint, string Read) ReadImage(PurpleEngine e, int databases, int round, Action<int> afterEach)
    {
        string? atPoint = null;
        var read = new List<ImageEntry>();
        using (var image = e.CaptureImage(() =>
        {
            atPoint = RandomWrites.Dump(e, databases);
            return round;
        }))
        {
            foreach (var entry in image.Entries)
            {
                read.Add(entry);
                afterEach(read.Count);
            }
        }
        return (atPoint!, RandomWrites.Dump(read));
    }

    [Fact]
    public void Writes_between_every_entry_read_leave_the_image_as_the_keys_were_at_its_point()
    {
        const int databases = 3;
        var time = new FakeTime();
        var e = Busy(time, databases);
        var rng = new Random(17);
        // TTLs land just after the clock, which moves as the image is read: keys live at the point expire before the
        // walk reaches them, and the image must still hold them.
        for (int i = 0; i < 3000; i++) e.Execute(RandomWrites.Next(rng, databases, time.NowMs + 20));
        // Several images in a row: each flips the marks the one before left.
        for (int round = 0; round < 8; round++)
        {
            var (expected, read) = ReadImage(e, databases, round, count =>
            {
                for (int w = 0; w < 3; w++) e.Execute(RandomWrites.Next(rng, databases, time.NowMs + 20));
                time.Advance(1);
            });
            Assert.NotEmpty(expected);
            Assert.Equal(expected, read);
        }
        Assert.True(e.GetStats().EvictedKeys > 0, "the writes must have evicted, so evictions took part");
        Assert.True(e.GetStats().ExpiredKeys > 0, "keys must have expired while images were read");
    }

    [Fact]
    public void Writers_on_other_threads_leave_the_image_as_the_keys_were_at_its_point()
    {
        const int databases = 3;
        var time = new FakeTime();
        var e = Busy(time, databases);
        var seed = new Random(3);
        for (int i = 0; i < 3000; i++) e.Execute(RandomWrites.Next(seed, databases, time.NowMs + 50));
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Factory.StartNew(() =>
        {
            var rng = new Random(100 + w);
            while (!stop.IsCancellationRequested) e.Execute(RandomWrites.Next(rng, databases, time.NowMs + 50));
        }, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            for (int round = 0; round < 20; round++)
            {
                var (expected, read) = ReadImage(e, databases, round, count =>
                {
                    if (count % 4 == 0) Thread.Yield();
                    if (count % 16 == 0) time.Advance(1);
                });
                Assert.Equal(expected, read);
            }
        }
        finally
        {
            stop.Cancel();
            Task.WaitAll(writers);
        }
    }

    [Fact]
    public void An_image_dropped_halfway_leaves_the_next_one_whole_and_two_cannot_run_at_once()
    {
        var e = Engine(shards: 4);
        for (int i = 0; i < 2000; i++) e.Set("k" + i, "v" + i);
        var first = e.CaptureImage(() => 1);
        Assert.Throws<InvalidOperationException>(() => e.CaptureImage(() => 2));
        Assert.Equal(300, first.Entries.Take(300).Count());
        e.Set("k7", "changed");
        first.Dispose();

        e.Set("k8", "changed");
        e.Set("late", "x");
        using var second = e.CaptureImage(() => 2);
        var entries = second.Entries.ToDictionary(x => S(x.Key), x => S(x.String));
        Assert.Equal(2001, entries.Count);
        Assert.Equal(("changed", "changed", "x", "v1999"), (entries["k7"], entries["k8"], entries["late"], entries["k1999"]));
        Assert.Throws<InvalidOperationException>(() => second.Entries.Count());
    }

    [Theory]
    [InlineData("flushdb")]
    [InlineData("flushall")]
    [InlineData("shrink")]
    public void Keys_removed_in_bulk_while_the_walk_is_halfway_are_still_in_the_image(string removal)
    {
        // One shard, so the walk is halfway through the very table the removal empties or shrinks.
        var e = Engine(shards: 1);
        const int keys = 4096;
        for (int i = 0; i < keys; i++) e.Set("k" + i, "v" + i);
        using var image = e.CaptureImage(() => 1);
        using var reader = image.Entries.GetEnumerator();
        var read = new Dictionary<string, string>();
        while (read.Count < keys / 2 && reader.MoveNext()) read.Add(S(reader.Current.Key), S(reader.Current.String));
        switch (removal)
        {
            case "flushdb":
                e.Execute(new FlushDbCommand(0));
                break;
            case "flushall":
                e.Execute(new FlushAllCommand());
                break;
            default:
                // Down to an eighth, so the table halves (more than once) under the walk: keys not reached yet move
                // into buckets it has passed.
                e.Execute(new DeleteCommand(0, Enumerable.Range(0, keys).Where(i => i % 16 != 0).Select(i => B("k" + i)).ToArray()));
                break;
        }
        e.Set("new", "x");
        while (reader.MoveNext()) read.Add(S(reader.Current.Key), S(reader.Current.String));
        Assert.Equal(Enumerable.Range(0, keys).Select(i => $"k{i}=v{i}").Order(), read.Select(p => $"{p.Key}={p.Value}").Order());
    }
}
