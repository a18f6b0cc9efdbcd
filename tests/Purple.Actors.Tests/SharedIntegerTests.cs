using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>Counters 0..9999 share their text; sharing must never let one key's write show in another.</summary>
public class SharedIntegerTests
{
    [Fact]
    public void Counters_cross_the_shared_range_with_exact_values()
    {
        var e = Engine();
        e.Set("c", "9998");
        Assert.Equal(9999, e.Execute(new IncrByCommand(0, B("c"), 1)).Integer);
        Assert.Equal(10000, e.Execute(new IncrByCommand(0, B("c"), 1)).Integer);
        Assert.Equal("10000", e.Get("c"));
        Assert.Equal(9999, e.Execute(new IncrByCommand(0, B("c"), -1)).Integer);
        Assert.Equal("9999", e.Get("c"));
        Assert.Equal(-1, e.Execute(new IncrByCommand(0, B("n"), -1)).Integer);
        Assert.Equal("-1", e.Get("n"));
    }

    [Fact]
    public void Keys_holding_the_same_small_value_stay_independent()
    {
        var e = Engine();
        e.Execute(new IncrByCommand(0, B("a"), 5));
        e.Execute(new IncrByCommand(0, B("b"), 5));
        e.Execute(new AppendCommand(0, B("a"), B("x")));
        Assert.Equal("5x", e.Get("a"));
        Assert.Equal("5", e.Get("b"));
        Assert.Equal(6, e.Execute(new IncrByCommand(0, B("b"), 1)).Integer);
        Assert.Equal("5x", e.Get("a"));
    }
}
