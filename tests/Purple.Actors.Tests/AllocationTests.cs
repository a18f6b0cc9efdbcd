using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class AllocationTests
{
    [Fact]
    public void Get_and_overwriting_set_allocate_nothing_on_the_engine_side()
    {
        var e = new PurpleEngine(new EngineOptions());
        var key = B("hot-key");
        var set = new SetCommand(0, key, B("value"));
        e.Execute(set);
        for (int i = 0; i < 10_000; i++)
        {
            e.TryGet(0, key, out _);
            e.Execute(set);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            e.TryGet(0, key, out _);
            e.Execute(set);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
