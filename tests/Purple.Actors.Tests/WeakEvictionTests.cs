using Purple.Actors.Storage;
using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class WeakEvictionTests
{
    private static readonly long Cost = MemoryCost.EntryOverhead + 1 + 10;

    // Capacity for two one-letter keys with 10-byte values; "a" is the least recently used.
    private static PurpleEngine TwoSlots(FakeTime time)
    {
        var e = new PurpleEngine(new EngineOptions
        {
            Time = time, Shards = 1, CapacityBytes = 2 * Cost, Eviction = EvictionPolicy.Weak, Scope = EvictionScope.All,
        }) { EvictionSamples = 64 };
        e.Set("a", "aaaaaaaaaa");
        time.Advance(1);
        e.Set("b", "bbbbbbbbbb");
        time.Advance(1);
        e.Set("c", "cccccccccc");
        time.Advance(1);
        return e;
    }

    private static void Demote(PurpleEngine e, FakeTime time)
    {
        // Over capacity now (3 keys, room for 2): the next write demotes the LRU key.
        Assert.True(e.Set("d", "dddddddddd").IsOk);
        time.Advance(1);
    }

    [Fact]
    public void A_demoted_entry_stops_counting_and_is_resurrected_by_a_read_while_alive()
    {
        var time = new FakeTime();
        var e = TwoSlots(time);
        var keepAlive = e.FindEntryForTest(0, B("a"));
        Demote(e, time);
        Assert.Null(e.FindEntryForTest(0, B("a")));
        Assert.Equal(1, e.GetStats().EvictedKeys);
        Assert.Equal(3 * Cost, e.UsedBytes);
        Assert.Equal("aaaaaaaaaa", e.Get("a"));
        Assert.Equal(4 * Cost, e.UsedBytes);
        Assert.Same(keepAlive, e.FindEntryForTest(0, B("a")));
    }

    [Fact]
    public void A_write_or_delete_drops_the_weak_copy_so_stale_data_never_returns()
    {
        var time = new FakeTime();
        var e = TwoSlots(time);
        var keepAlive = e.FindEntryForTest(0, B("a"));
        Demote(e, time);
        Assert.True(e.Execute(new AppendCommand(0, B("a"), B("!"))).IsOk);
        Assert.Equal("!", e.Get("a"));

        e.Execute(new DeleteCommand(0, [B("a")]));
        Assert.Null(e.Get("a"));
        GC.KeepAlive(keepAlive);
    }

    [Fact]
    public void A_deleted_demoted_key_stays_deleted()
    {
        var time = new FakeTime();
        var e = TwoSlots(time);
        var keepAlive = e.FindEntryForTest(0, B("a"));
        Demote(e, time);
        Assert.Equal(0, e.Execute(new DeleteCommand(0, [B("a")])).Integer);
        Assert.Null(e.Get("a"));
        Assert.Equal(0, e.Exists(0, [B("a")]));
        GC.KeepAlive(keepAlive);
    }

    [Fact]
    public void An_overwritten_demoted_key_returns_the_new_value()
    {
        var time = new FakeTime();
        var e = TwoSlots(time);
        var keepAlive = e.FindEntryForTest(0, B("a"));
        Demote(e, time);
        e.Set("a", "new");
        e.Execute(new DeleteCommand(0, [B("b"), B("c")]));
        Assert.Equal("new", e.Get("a"));
        GC.KeepAlive(keepAlive);
    }

    [Fact]
    public void A_collected_entry_is_gone()
    {
        var time = new FakeTime();
        var e = TwoSlots(time);
        Demote(e, time);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
        Assert.Null(e.Get("a"));
        Assert.Equal(3 * Cost, e.UsedBytes);
    }

    [Fact]
    public void An_expired_weak_copy_is_not_resurrected()
    {
        var time = new FakeTime();
        var e = new PurpleEngine(new EngineOptions
        {
            Time = time, Shards = 1, CapacityBytes = 2 * Cost, Eviction = EvictionPolicy.Weak, Scope = EvictionScope.All,
        }) { EvictionSamples = 64 };
        e.Set("a", "aaaaaaaaaa", time.NowMs + 50);
        time.Advance(1);
        e.Set("b", "bbbbbbbbbb");
        e.Set("c", "cccccccccc");
        var keepAlive = e.FindEntryForTest(0, B("a"));
        Demote(e, time);
        time.Advance(100);
        Assert.Null(e.Get("a"));
        GC.KeepAlive(keepAlive);
    }
}
