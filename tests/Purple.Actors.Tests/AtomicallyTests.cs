using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class AtomicallyTests
{
    [Fact]
    public void Body_may_call_back_into_the_store_on_the_same_thread()
    {
        var e = Engine(shards: 8);
        var result = e.Atomically(() =>
        {
            e.Set("a", "1");
            e.Execute(new MSetCommand(0, [B("b"), B("c")], [B("2"), B("3")]));
            e.Execute(new IncrByCommand(0, B("a"), 41));
            e.Execute(new RenameCommand(0, B("c"), B("d")));
            return e.Atomically(() => e.GetMany(0, [B("a"), B("b"), B("d")]));
        });
        Assert.Equal(["42", "2", "3"], result.Select(S));
    }

    [Fact]
    public void Other_threads_wait_until_the_body_finishes()
    {
        var e = Engine(shards: 8);
        e.Set("k", "before");
        Thread? other = null;
        var seenInside = e.Atomically(() =>
        {
            other = new Thread(() => e.Set("k", "other"));
            other.Start();
            // The other writer is blocked on a shard lock; give it every chance to (wrongly) get through.
            Assert.False(other.Join(200));
            var inside = e.Get("k");
            e.Set("k", "inside");
            return inside;
        });
        Assert.True(other!.Join(10_000));
        Assert.Equal("before", seenInside);
        Assert.Equal("other", e.Get("k"));
    }
}
