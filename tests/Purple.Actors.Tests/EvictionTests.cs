using Purple.Actors.Eviction;
using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class EvictionTests
{
    // "k00".."k99" with 50-byte values: every key costs the same, so capacity counts keys exactly.
    private const int ValueLength = 50;
    private static readonly long KeyCost = MemoryCost.EntryOverhead + 3 + ValueLength;
    private static string Name(int i) => $"k{i:00}";
    private static readonly string Value = new('v', ValueLength);

    private static PurpleEngine Full(FakeTime time, EvictionPolicy policy, EvictionScope scope, int keys = 20, bool withTtl = false)
    {
        var e = new PurpleEngine(new EngineOptions
        {
            Time = time, Shards = 1, CapacityBytes = keys * KeyCost, Eviction = policy, Scope = scope,
        }) { EvictionSamples = 64 };
        for (int i = 0; i < keys; i++)
        {
            Assert.True(e.Set(Name(i), Value, withTtl ? time.NowMs + 3_600_000 : 0).IsOk);
            time.Advance(1);
        }
        return e;
    }

    [Fact]
    public void Lru_evicts_cold_keys_and_keeps_recently_read_ones()
    {
        var time = new FakeTime();
        var e = Full(time, EvictionPolicy.Lru, EvictionScope.All);
        time.Advance(100);
        for (int i = 0; i < 5; i++) Assert.NotNull(e.Get(Name(i)));
        time.Advance(100);
        for (int i = 20; i < 30; i++)
        {
            Assert.True(e.Set(Name(i), Value).IsOk);
            time.Advance(1);
        }
        Assert.Equal(9, e.GetStats().EvictedKeys);
        for (int i = 0; i < 5; i++) Assert.NotNull(e.Get(Name(i)));
        for (int i = 5; i < 14; i++) Assert.Null(e.Get(Name(i)));
        for (int i = 14; i < 30; i++) Assert.NotNull(e.Get(Name(i)));
    }

    [Fact]
    public void Lfu_keeps_frequently_read_keys()
    {
        var time = new FakeTime();
        var e = Full(time, EvictionPolicy.Lfu, EvictionScope.All);
        for (int round = 0; round < 50; round++)
            for (int i = 0; i < 5; i++) e.Get(Name(i));
        for (int i = 20; i < 35; i++) Assert.True(e.Set(Name(i), Value).IsOk);
        Assert.Equal(14, e.GetStats().EvictedKeys);
        for (int i = 0; i < 5; i++) Assert.NotNull(e.Get(Name(i)));
    }

    [Fact]
    public void Lfu_counter_grows_logarithmically_and_decays_per_minute()
    {
        var rng = new XorShift(42);
        long now = 1_700_000_000_000;
        uint access = LfuCounter.Initial(now);
        access = LfuCounter.Touch(access, now, ref rng);
        Assert.Equal(LfuCounter.InitialValue + 1, access & 0xFF); // the first hit always counts
        for (int i = 0; i < 1000; i++) access = LfuCounter.Touch(access, now, ref rng);
        uint counter = access & 0xFF;
        Assert.InRange(counter, 8u, 40u);
        Assert.Equal(counter - 3, LfuCounter.Decayed(access, now + 3 * 60_000));
        Assert.Equal(0u, LfuCounter.Decayed(access, now + 300 * 60_000));
    }

    [Fact]
    public void Volatile_scope_only_evicts_keys_with_a_ttl()
    {
        var time = new FakeTime();
        var e = Full(time, EvictionPolicy.Lru, EvictionScope.Volatile, keys: 10, withTtl: false);
        e.Reconfigure(20 * KeyCost, EvictionPolicy.Lru, EvictionScope.Volatile);
        for (int i = 10; i < 20; i++) e.Set(Name(i), Value, time.NowMs + 60_000);
        for (int i = 20; i < 25; i++) Assert.True(e.Set(Name(i), Value).IsOk);
        Assert.Equal(4, e.GetStats().EvictedKeys);
        for (int i = 0; i < 10; i++) Assert.NotNull(e.Get(Name(i)));
        for (int i = 20; i < 25; i++) Assert.NotNull(e.Get(Name(i)));
    }

    [Theory]
    [InlineData(EvictionPolicy.None, EvictionScope.All)]
    [InlineData(EvictionPolicy.Lru, EvictionScope.Volatile)]
    [InlineData(EvictionPolicy.Lfu, EvictionScope.Volatile)]
    [InlineData(EvictionPolicy.Weak, EvictionScope.Volatile)]
    public void Writes_fail_with_oom_when_nothing_can_be_evicted_while_reads_and_deletes_work(EvictionPolicy policy, EvictionScope scope)
    {
        var time = new FakeTime();
        var e = Full(time, policy, scope, keys: 5);
        Assert.True(e.Set(Name(5), Value).IsOk); // at capacity, not over: still accepted, as in Redis
        Assert.False(e.CanAcceptWrite());
        Assert.Equal(PurpleError.OutOfMemory, e.Set(Name(6), Value).Error);
        Assert.Equal(PurpleError.OutOfMemory, e.Execute(new IncrByCommand(0, B("n"), 1)).Error);
        Assert.Equal(PurpleError.OutOfMemory, e.SAdd("s", "m").Error);
        Assert.Equal(Value, e.Get(Name(0)));
        Assert.Equal(6, e.GetMany(0, [.. Enumerable.Range(0, 6).Select(i => B(Name(i)))]).Count(v => v is not null));
        Assert.Equal(0, e.GetStats().EvictedKeys);
        Assert.Equal(1, e.Execute(new ExpireCommand(0, B(Name(1)), time.NowMs + 1000)).Integer);
        Assert.Equal(1, e.Execute(new PersistCommand(0, B(Name(1)))).Integer);
        Assert.Equal(2, e.Execute(new DeleteCommand(0, [B(Name(0)), B(Name(1))])).Integer);
        Assert.True(e.CanAcceptWrite());
        Assert.True(e.Set(Name(6), Value).IsOk);
    }

    [Fact]
    public void Reconfigure_lowering_capacity_makes_the_next_write_evict()
    {
        var time = new FakeTime();
        var e = Full(time, EvictionPolicy.None, EvictionScope.All, keys: 10);
        e.Reconfigure(5 * KeyCost, EvictionPolicy.Lru, EvictionScope.All);
        Assert.True(e.Set("new", "x").IsOk);
        Assert.True(e.UsedBytes <= 5 * KeyCost + KeyCost);
        Assert.Equal("allkeys-lru", e.GetStats().EvictionPolicy);
        Assert.Equal(5, e.GetStats().EvictedKeys);
    }

    [Fact]
    public async Task Reconfigure_lowering_capacity_of_a_started_engine_evicts_in_the_background_without_a_write()
    {
        var time = new FakeTime();
        await using var e = Full(time, EvictionPolicy.None, EvictionScope.All, keys: 10);
        e.Start();
        e.Reconfigure(5 * KeyCost, EvictionPolicy.Lru, EvictionScope.All);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (e.UsedBytes > 5 * KeyCost && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Assert.Equal(5 * KeyCost, e.UsedBytes);
        Assert.Equal(5, e.GetStats().EvictedKeys);
    }
}
