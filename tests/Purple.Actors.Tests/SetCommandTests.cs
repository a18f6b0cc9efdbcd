using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class SetCommandTests
{
    private static string[] Sorted(byte[][] members) => [.. members.Select(S).Order()];

    [Fact]
    public void SAdd_SRem_and_emptied_sets_are_deleted()
    {
        var e = Engine();
        Assert.Equal(3, e.SAdd("s", "a", "b", "c", "a").Integer);
        Assert.Equal(0, e.SAdd("s", "a").Integer);
        Assert.Equal(2, e.Execute(new SRemCommand(0, B("s"), [B("a"), B("b"), B("zz")])).Integer);
        Assert.Equal(ReadStatus.Found, e.SetCardinality(0, B("s"), out long count));
        Assert.Equal(1, count);
        Assert.Equal(1, e.Execute(new SRemCommand(0, B("s"), [B("c")])).Integer);
        Assert.Equal(DataType.None, e.TypeOf(0, B("s")));
        Assert.Equal(0, e.UsedBytes);
    }

    [Fact]
    public void SPop_is_deterministic_for_a_seed_and_removes_the_emptied_set()
    {
        string[] Pop(ulong seed)
        {
            var e = Engine();
            e.SAdd("s", [.. Enumerable.Range(0, 50).Select(i => "m" + i)]);
            var popped = e.Execute(new SPopCommand(0, B("s"), 10, seed)).Values!;
            var single = e.Execute(new SPopCommand(0, B("s"), -1, seed)).Value!;
            return [.. popped.Select(S), S(single)];
        }
        Assert.Equal(Pop(7), Pop(7));
        Assert.NotEqual(Pop(7), Pop(8));
        Assert.Equal(11, Pop(7).Distinct().Count());

        var engine = Engine();
        engine.SAdd("s", "x", "y");
        Assert.Equal(["x", "y"], Sorted(engine.Execute(new SPopCommand(0, B("s"), 5, 1)).Values!));
        Assert.Equal(DataType.None, engine.TypeOf(0, B("s")));
        Assert.Null(engine.Execute(new SPopCommand(0, B("s"), -1, 1)).Value);
    }

    [Fact]
    public void Membership_and_random_members()
    {
        var e = Engine();
        e.SAdd("s", "a", "b", "c");
        Assert.Equal(ReadStatus.Found, e.SetContains(0, B("s"), B("b"), out bool has));
        Assert.True(has);
        e.SetContainsMany(0, B("s"), [B("a"), B("x")], out var many);
        Assert.Equal([true, false], many);
        e.SetRandomMembers(0, B("s"), 2, out var two);
        Assert.Equal(2, two.Select(S).Distinct().Count());
        e.SetRandomMembers(0, B("s"), 10, out var all);
        Assert.Equal(["a", "b", "c"], Sorted(all));
        e.SetRandomMembers(0, B("s"), -7, out var repeats);
        Assert.Equal(7, repeats.Length);
        Assert.Equal(ReadStatus.Missing, e.SetMembers(0, B("none"), out var none));
        Assert.Empty(none);
    }

    [Fact]
    public void Combine_intersect_union_difference()
    {
        var e = Engine(shards: 8);
        e.SAdd("x", "a", "b", "c");
        e.SAdd("y", "b", "c", "d");
        e.Set("str", "v");
        e.SetCombine(0, [B("x"), B("y")], SetOperation.Intersect, out var inter);
        Assert.Equal(["b", "c"], Sorted(inter));
        e.SetCombine(0, [B("x"), B("y"), B("missing")], SetOperation.Union, out var union);
        Assert.Equal(["a", "b", "c", "d"], Sorted(union));
        e.SetCombine(0, [B("x"), B("y")], SetOperation.Difference, out var diff);
        Assert.Equal(["a"], Sorted(diff));
        e.SetCombine(0, [B("x"), B("missing")], SetOperation.Intersect, out var empty);
        Assert.Empty(empty);
        Assert.Equal(ReadStatus.WrongType, e.SetCombine(0, [B("x"), B("str")], SetOperation.Union, out _));
    }
}
