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

    private static (LeaseOutcome Outcome, StringItem Item) Lease(PurpleEngine e, LeaseCommand c)
    {
        var r = e.Execute(c);
        Assert.Equal(ExecStatus.Ok, r.Status);
        return ((LeaseOutcome)r.Integer, r.Item);
    }

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
        entry.ImageMark = Entry.ImageBit;
        Assert.Equal(Entry.CasMask, entry.Cas);
        entry.NewValue(Entry.CasMask);
        Assert.Equal((Entry.ImageBit, Entry.CasMask), (entry.ImageMark, entry.Cas));
        entry.State = ItemState.Fetched | ItemState.Stale | ItemState.LeaseTaken;
        entry.NewVersion(7);
        Assert.Equal(7UL, entry.Cas);
        Assert.Equal(ItemState.Fetched | ItemState.Stale | ItemState.LeaseTaken, entry.State);
        entry.NewValue(8);
        Assert.Equal(ItemState.None, entry.State);
        entry.MarkFetched();
        Assert.Equal(8UL, entry.Cas);
        Assert.Equal(ItemState.Fetched, entry.State);
        // The snapshot mark outlives every write, and clearing it leaves the CAS alone.
        Assert.Equal(Entry.ImageBit, entry.ImageMark);
        entry.ImageMark = 0;
        Assert.Equal((0UL, 8UL, ItemState.Fetched), (entry.ImageMark, entry.Cas, entry.State));
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

    [Fact]
    public void Invalidate_marks_stale_frees_the_lease_and_gives_a_new_cas()
    {
        var time = new FakeTime();
        var e = Engine(time);
        e.Set("k", "v", time.NowMs + 30_000);
        e.TryGet(0, B("k"), out var before);
        var (won, _) = Lease(e, new LeaseCommand(0, B("k"), RecacheBefore: time.NowMs + 60_000));
        Assert.Equal(LeaseOutcome.Won, won);

        var r = e.Execute(new InvalidateCommand(0, B("k"), GetExAction.SetExpiry, time.NowMs + 90_000));
        Assert.Equal(ExecStatus.Ok, r.Status);
        Assert.NotEqual(before.Cas, r.Item.Cas);
        Assert.Equal(time.NowMs + 90_000, r.Item.ExpiresAt);
        Assert.Equal("v", S(r.Item.Value));
        // Fetched survives (same value), the lease is free again.
        Assert.Equal(ItemState.Stale | ItemState.Fetched, State(e, "k"));

        Assert.Equal(ExecStatus.CasMismatch, e.Execute(new InvalidateCommand(0, B("k"), CompareCas: true, ExpectedCas: before.Cas)).Status);
        Assert.Equal(ExecStatus.Ok, e.Execute(new InvalidateCommand(0, B("k"), GetExAction.Persist, CompareCas: true, ExpectedCas: r.Item.Cas)).Status);
        Assert.Equal(-1, e.GetExpiresAt(0, B("k")));
        Assert.Equal(ExecStatus.Missing, e.Execute(new InvalidateCommand(0, B("nx"))).Status);
        e.SAdd("set", "m");
        Assert.Equal(ExecStatus.Missing, e.Execute(new InvalidateCommand(0, B("set"))).Status);
        // An expiry already past removes the item.
        Assert.Equal(ExecStatus.Ok, e.Execute(new InvalidateCommand(0, B("k"), GetExAction.SetExpiry, time.NowMs)).Status);
        Assert.Null(e.Get("k"));
    }

    [Fact]
    public void A_stale_item_gives_its_lease_to_exactly_one_reader_until_a_write()
    {
        var e = Engine();
        e.Set("k", "v");
        e.Execute(new InvalidateCommand(0, B("k")));
        e.TryGet(0, B("k"), out var item);
        var (first, firstItem) = Lease(e, new LeaseCommand(0, B("k")));
        Assert.Equal(LeaseOutcome.Stale | LeaseOutcome.Won, first);
        // Handing out the lease is not a data change: the winner's CAS still matches.
        Assert.Equal(item.Cas, firstItem.Cas);
        Assert.Equal(LeaseOutcome.Stale | LeaseOutcome.Taken, Lease(e, new LeaseCommand(0, B("k"))).Outcome);
        Assert.Equal(ItemState.Stale | ItemState.LeaseTaken | ItemState.Fetched, State(e, "k"));

        // Any write of the value, from any protocol, ends both.
        e.Execute(new SetCommand(0, B("k"), B("fresh")));
        Assert.Equal(ItemState.None, State(e, "k"));
        Assert.Equal(LeaseOutcome.None, Lease(e, new LeaseCommand(0, B("k"))).Outcome);
    }

    [Fact]
    public void Vivify_creates_an_empty_item_once_and_later_readers_see_the_lease_taken()
    {
        var time = new FakeTime();
        var e = Engine(time);
        var (outcome, item) = Lease(e, new LeaseCommand(0, B("k"), Vivify: true, VivifyExpiresAt: time.NowMs + 30_000));
        Assert.Equal(LeaseOutcome.Won | LeaseOutcome.Created, outcome);
        Assert.Empty(item.Value);
        Assert.Equal(time.NowMs + 30_000, item.ExpiresAt);
        var (again, same) = Lease(e, new LeaseCommand(0, B("k"), Vivify: true, VivifyExpiresAt: time.NowMs + 99_000));
        Assert.Equal(LeaseOutcome.Taken, again);
        Assert.Equal(item.Cas, same.Cas);
        Assert.Equal(item.ExpiresAt, same.ExpiresAt);
        Assert.Equal(ExecStatus.Missing, e.Execute(new LeaseCommand(0, B("nx"))).Status);
        // Vivified already expired: the caller wins, nothing stays.
        Assert.Equal(LeaseOutcome.Won | LeaseOutcome.Created, Lease(e, new LeaseCommand(0, B("gone"), Vivify: true, VivifyExpiresAt: 1)).Outcome);
        Assert.Null(e.Get("gone"));
        e.SAdd("set", "m");
        Assert.Equal(ExecStatus.Failed, e.Execute(new LeaseCommand(0, B("set"), Vivify: true)).Status);
    }

    [Fact]
    public void Recache_wins_once_when_the_ttl_left_is_below_the_threshold()
    {
        var time = new FakeTime();
        var e = Engine(time);
        long expires = time.NowMs + 100_000;
        e.Set("k", "v", expires);
        e.Set("forever", "v");
        Assert.Equal(LeaseOutcome.None, Lease(e, new LeaseCommand(0, B("k"), RecacheBefore: expires)).Outcome);
        Assert.Equal(LeaseOutcome.None, Lease(e, new LeaseCommand(0, B("forever"), RecacheBefore: long.MaxValue)).Outcome);
        Assert.Equal(LeaseOutcome.Won, Lease(e, new LeaseCommand(0, B("k"), RecacheBefore: expires + 1)).Outcome);
        Assert.Equal(LeaseOutcome.Taken, Lease(e, new LeaseCommand(0, B("k"), RecacheBefore: expires + 1)).Outcome);
        // Judged on the expiry before or after this command's own change, as asked.
        e.Set("t", "v", expires);
        Assert.Equal(LeaseOutcome.None, Lease(e, new LeaseCommand(0, B("t"), GetExAction.SetExpiry, time.NowMs + 10_000, RecacheBefore: time.NowMs + 50_000)).Outcome);
        e.Set("t", "v", expires);
        var (after, item) = Lease(e, new LeaseCommand(0, B("t"), GetExAction.SetExpiry, time.NowMs + 10_000, RecacheBefore: time.NowMs + 50_000, RecacheAfterExpiry: true));
        Assert.Equal(LeaseOutcome.Won, after);
        Assert.Equal(time.NowMs + 10_000, item.ExpiresAt);
        // A change of expiry keeps the lease; an expiry already past returns the item and removes it.
        Assert.Equal(LeaseOutcome.Taken, Lease(e, new LeaseCommand(0, B("t"), GetExAction.Persist)).Outcome);
        Assert.Equal(-1, e.GetExpiresAt(0, B("t")));
        Assert.Equal("v", S(Lease(e, new LeaseCommand(0, B("t"), GetExAction.SetExpiry, time.NowMs)).Item.Value));
        Assert.Null(e.Get("t"));
    }

    [Fact]
    public void A_late_compare_and_set_with_an_older_cas_stores_a_stale_value()
    {
        var time = new FakeTime();
        var e = Engine(time);
        var first = e.Set("k", "v1", time.NowMs + 30_000).Item;
        var invalidated = e.Execute(new InvalidateCommand(0, B("k"), GetExAction.SetExpiry, time.NowMs + 60_000)).Item;
        Lease(e, new LeaseCommand(0, B("k")));

        var late = e.Execute(new SetCommand(0, B("k"), B("late"), time.NowMs + 90_000, SetCondition.IfCasMatchesOrStale, ExpectedCas: first.Cas));
        Assert.Equal(ExecStatus.Ok, late.Status);
        Assert.True(late.Item.Cas > invalidated.Cas);
        Assert.Equal(time.NowMs + 60_000, late.Item.ExpiresAt);
        Assert.Equal(ItemState.Stale | ItemState.LeaseTaken, State(e, "k"));

        Assert.Equal(ExecStatus.CasMismatch, e.Execute(new SetCommand(0, B("k"), B("x"), 0, SetCondition.IfCasMatchesOrStale, ExpectedCas: late.Item.Cas + 1)).Status);
        Assert.Equal(ExecStatus.Missing, e.Execute(new SetCommand(0, B("nx"), B("x"), 0, SetCondition.IfCasMatchesOrStale, ExpectedCas: 1)).Status);
        Assert.Equal(ExecStatus.CasMismatch, e.Execute(new SetCommand(0, B("k"), B("x"), 0, SetCondition.IfCasMatchesOrStale, ExpectedCas: 0)).Status);
        var fresh = e.Execute(new SetCommand(0, B("k"), B("new"), 0, SetCondition.IfCasMatchesOrStale, ExpectedCas: late.Item.Cas));
        Assert.Equal(0, fresh.Item.ExpiresAt);
        Assert.Equal(ItemState.None, State(e, "k"));

        // Without the condition an older CAS is simply refused.
        Assert.Equal(ExecStatus.CasMismatch, e.Execute(new SetCommand(0, B("k"), B("x"), 0, SetCondition.IfCasMatches, ExpectedCas: first.Cas)).Status);
    }

    [Fact]
    public void Lease_grants_are_linearizable_one_winner_among_racing_readers()
    {
        var e = Engine(shards: 2);
        for (int round = 0; round < 50; round++)
        {
            var key = B("hot" + round);
            e.Execute(new SetCommand(0, key, B("v")));
            e.Execute(new InvalidateCommand(0, key));
            int winners = 0;
            Parallel.For(0, 8, _ =>
            {
                var r = e.Execute(new LeaseCommand(0, key, Vivify: true));
                if (((LeaseOutcome)r.Integer & LeaseOutcome.Won) != 0) Interlocked.Increment(ref winners);
            });
            Assert.Equal(1, winners);

            var missing = B("cold" + round);
            winners = 0;
            Parallel.For(0, 8, _ =>
            {
                var r = e.Execute(new LeaseCommand(0, missing, Vivify: true));
                if (((LeaseOutcome)r.Integer & LeaseOutcome.Won) != 0) Interlocked.Increment(ref winners);
            });
            Assert.Equal(1, winners);
        }
    }

    [Fact]
    public void Marking_stale_and_taking_a_lease_run_over_capacity_creating_does_not()
    {
        var e = Engine(policy: EvictionPolicy.None);
        e.Set("k", "v");
        e.Reconfigure(1, EvictionPolicy.None, EvictionScope.All);
        Assert.Equal(ExecStatus.Ok, e.Execute(new InvalidateCommand(0, B("k"))).Status);
        Assert.Equal(ExecStatus.Ok, e.Execute(new LeaseCommand(0, B("k"))).Status);
        var created = e.Execute(new LeaseCommand(0, B("new"), Vivify: true));
        Assert.Equal(ExecStatus.Failed, created.Status);
    }

    [Fact]
    public void Replaying_lease_records_at_the_same_times_gives_the_same_state()
    {
        string Run()
        {
            var time = new FakeTime();
            var e = new PurpleEngine(new EngineOptions { Time = time, Eviction = EvictionPolicy.Lfu });
            var rng = new Random(7);
            long now = time.NowMs;
            for (int i = 0; i < 3000; i++)
            {
                var key = B("k" + rng.Next(20));
                WriteCommand command = rng.Next(6) switch
                {
                    0 => new SetCommand(0, key, B("v" + rng.Next(100)), rng.Next(2) == 0 ? 0 : now + rng.Next(1, 500)),
                    1 => new InvalidateCommand(0, key, (GetExAction)rng.Next(3), now + rng.Next(-5, 500)),
                    2 => new LeaseCommand(0, key, (GetExAction)rng.Next(3), now + rng.Next(-5, 500), rng.Next(2) == 0, now + rng.Next(1, 500),
                        rng.Next(2) == 0 ? 0 : now + rng.Next(500), rng.Next(2) == 0),
                    3 => new SetCommand(0, key, B("late"), 0, SetCondition.IfCasMatchesOrStale, ExpectedCas: (ulong)rng.Next(1, 3000)),
                    4 => new AppendCommand(0, key, B("+")),
                    _ => new RenameCommand(0, key, B("k" + rng.Next(20))),
                };
                e.Apply(command, now);
                now += rng.Next(3);
            }
            var keys = e.Keys(0, B("*")).Select(S).Order().ToList();
            return string.Join(";", keys.Select(k =>
            {
                e.TryGetItem(0, B(k), Peek, out var item, out var access);
                return $"{k}={S(item.Value)}@{item.ExpiresAt}#{item.Cas}/{access.State}";
            })) + "|" + e.UsedBytes;
        }
        Assert.Equal(Run(), Run());
    }
}
