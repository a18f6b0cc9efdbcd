using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class MemoryAccountingTests
{
    [Theory]
    [InlineData(EvictionPolicy.None, EvictionScope.All, 1L << 30, 1)]
    [InlineData(EvictionPolicy.Lru, EvictionScope.All, 6_000, 2)]
    [InlineData(EvictionPolicy.Lru, EvictionScope.Volatile, 6_000, 3)]
    [InlineData(EvictionPolicy.Lfu, EvictionScope.All, 6_000, 4)]
    [InlineData(EvictionPolicy.Weak, EvictionScope.All, 6_000, 5)]
    [InlineData(EvictionPolicy.Weak, EvictionScope.Volatile, 6_000, 6)]
    public async Task Used_bytes_equals_the_formula_over_live_data_after_random_writes(EvictionPolicy policy, EvictionScope scope, long capacity, int seed)
    {
        var time = new FakeTime();
        await using var e = new PurpleEngine(new EngineOptions
        {
            Time = time, CapacityBytes = capacity, Eviction = policy, Scope = scope, Shards = 4, Databases = 2, ActiveExpiryHz = 100,
        });
        e.Start();
        var rng = new Random(seed);
        var names = Enumerable.Range(0, 40).Select(i => B("key" + i)).ToArray();
        byte[] Key() => names[rng.Next(names.Length)];
        byte[] Bytes(int max) => B(new string((char)('a' + rng.Next(26)), rng.Next(max)));
        long Ttl() => rng.Next(3) == 0 ? 0 : time.NowMs + rng.Next(-50, 400);
        int evictedOrOom = 0;

        for (int step = 0; step < 3000; step++)
        {
            int db = rng.Next(2);
            WriteCommand command = rng.Next(17) switch
            {
                0 => new SetCommand(db, Key(), Bytes(60), Ttl(), ContentType: rng.Next(2) == 0 ? null : "text/plain"),
                1 => new SetCommand(db, Key(), Bytes(30), Ttl(), (SetCondition)rng.Next(3), (SetOptions)rng.Next(4)),
                2 => new AppendCommand(db, Key(), Bytes(20), Prepend: rng.Next(2) == 0),
                3 => new IncrByCommand(db, Key(), rng.Next(-1000, 1000)),
                4 => new IncrByCommand(db, Key(), rng.Next(1000), (IncrMode)rng.Next(1, 3)),
                5 => new DeleteCommand(db, [Key(), Key()]),
                6 => new ExpireCommand(db, Key(), time.NowMs + rng.Next(-100, 300), (ExpireCondition)rng.Next(6)),
                7 => new PersistCommand(db, Key()),
                8 => new GetDelCommand(db, Key()),
                9 => new GetExCommand(db, Key(), (GetExAction)rng.Next(3), time.NowMs + rng.Next(-50, 300)),
                10 => new RenameCommand(db, Key(), Key(), rng.Next(2) == 0),
                11 => new MSetCommand(db, [Key(), Key()], [Bytes(40), Bytes(40)], rng.Next(2) == 0),
                12 => new SAddCommand(db, Key(), [Bytes(12), Bytes(12), Bytes(12)]),
                13 => new SRemCommand(db, Key(), [Bytes(12), Bytes(12)]),
                14 => new SPopCommand(db, Key(), rng.Next(-1, 3), (ulong)rng.NextInt64()),
                15 => rng.Next(40) == 0 ? new FlushDbCommand(db) : new SetCommand(db, Key(), Bytes(100)),
                _ => new SetCommand(db, Key(), Bytes(10), ClientFlags: (uint)rng.Next()),
            };
            var result = e.Execute(command);
            if (result.Error == PurpleError.OutOfMemory) evictedOrOom++;
            if (rng.Next(10) == 0) time.Advance(rng.Next(60));
            if (rng.Next(20) == 0) e.TryGet(db, Key(), out _);
            if (step % 100 == 0) AssertExact(e, names);
        }
        AssertExact(e, names);
        if (policy != EvictionPolicy.None) Assert.True(e.GetStats().EvictedKeys + evictedOrOom > 0, "the capacity should have been exercised");
    }

    // Recomputes the formula from what the store returns, with every shard held so the sweep cannot interleave.
    private static void AssertExact(PurpleEngine e, byte[][] names) => e.Atomically(() =>
    {
        long expected = 0;
        for (int db = 0; db < 2; db++)
        {
            // Touch every name first so expired-but-unswept entries are deleted (and weak ones resurrected).
            foreach (var name in names) e.TypeOf(db, name);
            foreach (var key in e.Keys(db, B("*")))
            {
                long value;
                if (e.TryGet(db, key, out var item) == ReadStatus.Found)
                    value = item.Value.Length + (item.ContentType?.Length ?? 0) * 2L
                        + (item.ClientFlags != 0 || item.ContentType is not null ? MemoryCost.FlaggedStringOverhead : 0);
                else
                {
                    Assert.Equal(ReadStatus.Found, e.SetMembers(db, key, out var members));
                    Assert.NotEmpty(members);
                    value = members.Sum(m => (long)m.Length + MemoryCost.SetMemberOverhead);
                }
                expected += MemoryCost.EntryOverhead + key.Length + value;
            }
        }
        Assert.Equal(expected, e.UsedBytes);
        return 0;
    });

    [Fact]
    public void Flush_and_delete_return_to_zero()
    {
        var e = Engine();
        e.Set("a", "1234");
        e.SAdd("s", "x", "yy");
        Assert.Equal(2 * MemoryCost.EntryOverhead + 2 + 4 + 3 + 2 * MemoryCost.SetMemberOverhead, e.UsedBytes);
        e.Execute(new FlushAllCommand());
        Assert.Equal(0, e.UsedBytes);
    }
}
