using Purple.Core.Commands;
using static Purple.Actors.Tests.T;
using static Purple.Tests.Shared.AllocationMeter;

namespace Purple.Actors.Tests;

/// <summary>What the engine allocates on the hot paths (docs/performance.md, "Overwrites in place").</summary>
public class AllocationTests
{
    private static void Repeat(int times, Action action)
    {
        for (int i = 0; i < times; i++) action();
    }

    [Fact]
    public void Get_allocates_nothing_on_the_engine_side()
    {
        var e = new PurpleEngine(new EngineOptions());
        var key = B("hot-key");
        e.Execute(new SetCommand(0, key, B("value")));
        Repeat(10_000, () => e.TryGet(0, key, out _));
        Assert.Equal(0, AllocatedBy(1_000, () => e.TryGet(0, key, out _)));
    }

    [Fact]
    public void Overwriting_set_and_mset_of_the_same_length_and_metadata_allocate_nothing_on_the_engine_side()
    {
        var e = new PurpleEngine(new EngineOptions());
        var key = B("hot-key");
        var set = new SetCommand(0, key, B("value"));
        var mset = new MSetCommand(0, [B("a"), B("b"), B("c")], [B("111"), B("222"), B("333")], false);
        e.Execute(set);
        e.Execute(mset);
        Repeat(10_000, () => e.Execute(set));
        Repeat(10_000, () => e.Execute(mset));
        Assert.Equal(0, AllocatedBy(1_000, () => e.Execute(set)));
        var flagged = new SetCommand(0, B("flagged"), B("value"), ClientFlags: 42);
        Repeat(10_000, () => e.Execute(flagged));
        Assert.Equal(0, AllocatedBy(1_000, () => e.Execute(flagged)));
        // MSET's own bookkeeping (routes, lock order) allocates per command; its values nothing: three values that
        // change length each time cost exactly three new arrays (3 x 32 bytes) more per command.
        var longer = new MSetCommand(0, [B("a"), B("b"), B("c")], [B("1111"), B("2222"), B("3333")], false);
        long sameLength = AllocatedBy(1_000, () => e.Execute(mset));
        int turn = 0;
        long changingLength = AllocatedBy(1_000, () => e.Execute(turn++ % 2 == 0 ? longer : mset));
        Assert.Equal(sameLength + 1_000 * 3 * 32, changingLength);
    }

    [Fact]
    public void A_set_after_a_read_copies_the_value_once_then_overwrites_in_place_again()
    {
        var e = new PurpleEngine(new EngineOptions());
        var key = B("hot-key");
        var set = new SetCommand(0, key, B("value"));
        e.Execute(set);
        Repeat(10_000, () =>
        {
            e.TryGet(0, key, out _);
            e.Execute(set);
        });
        // The reader may still hold the array it was given, so the next write makes a new one: a byte[5] is 32 bytes.
        Assert.Equal(1_000 * 32, AllocatedBy(1_000, () =>
        {
            e.TryGet(0, key, out _);
            e.Execute(set);
        }));
        Assert.Equal(0, AllocatedBy(1_000, () => e.Execute(set)));
    }

    [Fact]
    public void Incr_of_a_counter_whose_width_stays_allocates_only_the_reply_digits()
    {
        var e = new PurpleEngine(new EngineOptions());
        var key = B("counter");
        e.Execute(new SetCommand(0, key, B("100000")));
        var incr = new IncrByCommand(0, key, 1);
        Repeat(10_000, () => e.Execute(incr));
        // The six digits for the reply (a byte[6] is 32 bytes); the stored digits are written in place.
        Assert.Equal(1_000 * 32, AllocatedBy(1_000, () => e.Execute(incr)));
    }

    [Fact]
    public void A_set_after_a_read_into_a_callback_overwrites_in_place()
    {
        var e = new PurpleEngine(new EngineOptions());
        var key = B("hot-key");
        var set = new SetCommand(0, key, B("value"));
        var sink = new byte[5];
        System.Buffers.ReadOnlySpanAction<byte, object> copy = static (value, target) => value.CopyTo((byte[])target);
        e.Execute(set);
        Repeat(10_000, () =>
        {
            e.ReadString(0, key, sink, copy);
            e.Execute(set);
        });
        // RESP GET's path: the reply is written from the stored bytes under the lock, nothing is handed out.
        Assert.Equal(0, AllocatedBy(1_000, () =>
        {
            e.ReadString(0, key, sink, copy);
            e.Execute(set);
        }));
        Assert.Equal("value", S(sink));
    }
}
