using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>PrefetchKeys runs without the shards' locks: it must change nothing and survive tables resizing under it.</summary>
public class PrefetchTests
{
    [Fact]
    public void Prefetching_keys_changes_nothing_and_tolerates_resizes_underneath()
    {
        var e = Engine(shards: 4);
        var buffer = "k1 k2 missing k3"u8.ToArray();
        Range[] keys = [0..2, 3..5, 6..13, 14..16];
        e.Set("k1", "a");
        e.Set("k3", "c");
        var before = e.GetStats();
        e.PrefetchKeys(0, buffer, keys);
        e.PrefetchKeys(99, buffer, keys); // a database the store does not have: ignored
        var after = e.GetStats();
        // Not a read: no hit or miss counted, nothing touched.
        Assert.Equal((before.Keys, before.UsedBytes, before.Hits, before.Misses), (after.Keys, after.UsedBytes, after.Hits, after.Misses));
        Assert.Equal(["a", null, "c"], e.GetMany(0, [B("k1"), B("k2"), B("k3")]).Select(v => v is null ? null : S(v)));

        // One thread grows and shrinks the tables (every resize swaps the bucket array) while another prefetches.
        var writer = Task.Run(() =>
        {
            for (int round = 0; round < 20; round++)
            {
                var batch = Enumerable.Range(0, 2000).Select(i => B($"r{i}")).ToArray();
                for (int i = 0; i < batch.Length; i++) e.Set($"r{i}", "v");
                e.Execute(new DeleteCommand(0, batch));
            }
        });
        var many = "r1 r10 r100 r1000 r1999 k1"u8.ToArray();
        Range[] manyKeys = [0..2, 3..6, 7..11, 12..17, 18..23, 24..26];
        while (!writer.IsCompleted) e.PrefetchKeys(0, many, manyKeys);
        writer.GetAwaiter().GetResult();
        Assert.Equal(2, e.DbSize(0));
    }

    [Fact]
    public void Prefetching_members_changes_nothing_and_says_whether_the_key_holds_a_set()
    {
        var e = Engine(shards: 4);
        var buffer = "m1 m2 nope"u8.ToArray();
        Range[] members = [0..2, 3..5, 6..10];
        e.Execute(new SAddCommand(0, B("s"), [B("m1"), B("m2")]));
        e.Set("str", "v");
        var before = e.GetStats();
        Assert.True(e.PrefetchMembers(0, "s"u8, buffer, members));
        Assert.False(e.PrefetchMembers(0, "str"u8, buffer, members)); // not a set: nothing to fetch in it
        Assert.False(e.PrefetchMembers(0, "absent"u8, buffer, members));
        Assert.False(e.PrefetchMembers(99, "s"u8, buffer, members));
        var after = e.GetStats();
        Assert.Equal((before.Keys, before.UsedBytes, before.Hits, before.Misses), (after.Keys, after.UsedBytes, after.Hits, after.Misses));
        Assert.Equal(1, e.Execute(new SAddCommand(0, B("s"), [B("m1"), B("m2"), B("m3")])).Integer); // only m3 is new
    }
}
