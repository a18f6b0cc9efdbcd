using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

// WATCH's question at EXEC, asked of the engine directly: was the key written since the watch began (Redis's rule),
// not whether it looks different now.
public class WatchTests
{
    [Fact]
    public void A_missing_key_created_and_deleted_again_reads_as_changed()
    {
        var e = Engine(shards: 1);
        using var watch = e.Watch(0, B("k"));
        e.Set("k", "1");
        e.Execute(new DeleteCommand(0, [B("k")]));
        Assert.Null(e.Get("k"));
        Assert.True(watch.Changed());
    }

    [Fact]
    public void A_missing_key_nobody_writes_stays_unchanged_whatever_happens_to_other_keys_of_its_shard()
    {
        var e = Engine(shards: 1);
        using var watch = e.Watch(0, B("k"));
        e.Set("other", "1");
        e.Execute(new DeleteCommand(0, [B("other"), B("k")]));
        e.Set("k", "in another database", db: 1);
        Assert.False(watch.Changed());
    }

    [Fact]
    public void A_watch_begun_after_the_write_does_not_see_it()
    {
        var e = Engine(shards: 1);
        using var early = e.Watch(0, B("k"));
        e.Set("k", "1");
        e.Execute(new DeleteCommand(0, [B("k")]));
        using var late = e.Watch(0, B("k"));
        Assert.True(early.Changed());
        Assert.False(late.Changed());
    }

    [Fact]
    public void A_set_with_a_time_already_past_counts_as_a_write_of_a_missing_key()
    {
        var time = new FakeTime();
        var e = Engine(time, shards: 1);
        using var watch = e.Watch(0, B("k"));
        e.Set("k", "1", expiresAt: time.NowMs - 1);
        Assert.Null(e.Get("k"));
        Assert.True(watch.Changed());
    }

    [Fact]
    public void An_existing_key_rewritten_with_the_same_value_reads_as_changed_and_untouched_as_unchanged()
    {
        var e = Engine();
        e.Set("a", "v");
        e.Set("b", "v");
        using var a = e.Watch(0, B("a"));
        using var b = e.Watch(0, B("b"));
        e.Set("a", "v");
        Assert.True(a.Changed());
        Assert.False(b.Changed());
    }

    [Fact]
    public void Ended_watches_leave_nothing_registered()
    {
        var e = Engine(shards: 2);
        var first = e.Watch(0, B("k"));
        var second = e.Watch(0, B("k"));
        var third = e.Watch(0, B("j"));
        Assert.Equal(2, e.WatchedMissingKeysForTest(0));
        first.Dispose();
        first.Dispose();
        Assert.Equal(2, e.WatchedMissingKeysForTest(0));
        second.Dispose();
        third.Dispose();
        Assert.Equal(0, e.WatchedMissingKeysForTest(0));
        // A key created after its watches ended finds nothing to tell.
        e.Set("k", "1");
        Assert.Equal(0, e.WatchedMissingKeysForTest(0));
    }
}
