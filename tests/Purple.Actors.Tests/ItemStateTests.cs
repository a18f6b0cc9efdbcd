using Purple.Actors.Eviction;
using Purple.Actors.Storage;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>
/// The per-item state behind memcached's meta flags (fetched, last access, stale, lease): kept in the entry's
/// CAS word, reset by writes that replace the value, reproduced by records for what a replica must know.
/// </summary>
public class ItemStateTests
{
    private const ItemReadOptions Peek = ItemReadOptions.NoTouch | ItemReadOptions.NoStats;

    private static ItemAccess Access(PurpleEngine e, string key)
    {
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B(key), Peek, out _, out var access));
        return access;
    }

    private static ItemState State(PurpleEngine e, string key) => Access(e, key).State;

    [Fact]
    public void An_entry_is_still_64_bytes()
    {
        var key = B("k");
        var value = B("v");
        var entries = new Entry[1000];
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < entries.Length; i++) entries[i] = new Entry(key, value);
        long perEntry = (GC.GetAllocatedBytesForCurrentThread() - before) / entries.Length;
        Assert.Equal(64, perEntry);
    }

    [Fact]
    public void The_state_bits_never_leak_into_the_cas()
    {
        var entry = new Entry(B("k"), B("v"));
        entry.NewValue(Entry.CasMask);
        entry.State = ItemState.Fetched | ItemState.Stale | ItemState.LeaseTaken;
        Assert.Equal(Entry.CasMask, entry.Cas);
        entry.NewVersion(7);
        Assert.Equal(7UL, entry.Cas);
        Assert.Equal(ItemState.Fetched | ItemState.Stale | ItemState.LeaseTaken, entry.State);
        entry.NewValue(8);
        Assert.Equal(ItemState.None, entry.State);
        entry.MarkFetched();
        Assert.Equal(8UL, entry.Cas);
        Assert.Equal(ItemState.Fetched, entry.State);
    }

    [Fact]
    public void Fetched_is_reported_as_it_was_before_the_read_and_a_new_value_clears_it()
    {
        var e = Engine();
        e.Set("k", "v");
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("k"), ItemReadOptions.None, out var item, out var access));
        Assert.Equal("v", S(item.Value));
        Assert.False(access.Fetched);
        Assert.True(Access(e, "k").Fetched);

        e.Set("k", "w");
        Assert.False(Access(e, "k").Fetched);
        // Without touching, the read leaves no mark.
        e.TryGetItem(0, B("k"), ItemReadOptions.NoTouch, out _, out _);
        Assert.False(Access(e, "k").Fetched);
        // Every protocol's read of the value counts: GET, MGET, GETEX.
        e.TryGet(0, B("k"), out _);
        Assert.True(Access(e, "k").Fetched);
        e.Set("k", "x");
        e.GetMany(0, [B("k")]);
        Assert.True(Access(e, "k").Fetched);
        e.Set("k", "y");
        e.Execute(new GetExCommand(0, B("k"), GetExAction.None));
        Assert.True(Access(e, "k").Fetched);
        // A change of expiry keeps it; value writes of every kind clear it.
        e.Execute(new ExpireCommand(0, B("k"), long.MaxValue / 2));
        Assert.True(Access(e, "k").Fetched);
        e.Execute(new AppendCommand(0, B("k"), B("!")));
        Assert.False(Access(e, "k").Fetched);
    }

    [Fact]
    public void Metadata_reads_count_no_hit()
    {
        var e = Engine();
        e.Set("k", "v");
        e.TryGetItem(0, B("k"), Peek, out _, out _);
        e.TryGetItem(0, B("nx"), Peek, out _, out _);
        Assert.Equal(0, e.GetStats().Hits + e.GetStats().Misses);
        e.TryGetItem(0, B("k"), ItemReadOptions.NoTouch, out _, out _);
        e.TryGetItem(0, B("nx"), ItemReadOptions.None, out _, out _);
        Assert.Equal((1, 1), (e.GetStats().Hits, e.GetStats().Misses));
    }

    [Theory]
    [InlineData(EvictionPolicy.Lru, 1)]
    [InlineData(EvictionPolicy.None, 1)]
    [InlineData(EvictionPolicy.Weak, 1)]
    [InlineData(EvictionPolicy.Lfu, 1000)]
    public void Last_access_is_the_last_read_or_write_unless_the_read_does_not_touch(EvictionPolicy policy, long resolutionMs)
    {
        var time = new FakeTime(1_700_000_000_250);
        var e = Engine(time, policy: policy);
        long written = time.NowMs;
        e.Set("k", "v");
        time.Advance(90_500);
        Assert.Equal(written / resolutionMs * resolutionMs, Access(e, "k").LastAccessMs);
        e.TryGetItem(0, B("k"), ItemReadOptions.NoTouch, out _, out _);
        Assert.Equal(written / resolutionMs * resolutionMs, Access(e, "k").LastAccessMs);
        long read = time.NowMs;
        e.TryGet(0, B("k"), out _);
        time.Advance(3_700);
        Assert.Equal(read / resolutionMs * resolutionMs, Access(e, "k").LastAccessMs);
        long rewritten = time.NowMs;
        e.Set("k", "w");
        time.Advance(61_000 * 3);
        Assert.Equal(rewritten / resolutionMs * resolutionMs, Access(e, "k").LastAccessMs);
    }

    [Fact]
    public void The_lfu_second_stamp_does_not_change_decay()
    {
        long minuteStart = 1_700_000_040_000 / 60_000 * 60_000;
        var rng = new XorShift(1);
        uint early = LfuCounter.Touch(LfuCounter.Initial(minuteStart), minuteStart, ref rng);
        rng = new XorShift(1);
        uint late = LfuCounter.Touch(LfuCounter.Initial(minuteStart + 59_999), minuteStart + 59_999, ref rng);
        Assert.Equal(early & 0xFFFFFF, late & 0xFFFFFF);
        Assert.NotEqual(early, late);
        for (int minutes = 0; minutes < 10; minutes++)
            Assert.Equal(LfuCounter.Decayed(early, minuteStart + minutes * 60_000L), LfuCounter.Decayed(late, minuteStart + minutes * 60_000L));
        Assert.Equal(minuteStart + 59_000, LfuCounter.LastAccessMs(late, minuteStart + 5 * 60_000));
    }
}
