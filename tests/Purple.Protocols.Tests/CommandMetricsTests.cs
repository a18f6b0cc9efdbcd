using System.Diagnostics;
using Purple.Protocols.Metrics;

namespace Purple.Protocols.Tests;

public sealed class CommandMetricsTests
{
    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void Calls_land_in_the_first_bucket_at_or_over_their_duration_and_buckets_are_cumulative()
    {
        var metrics = new CommandMetrics("resp", 8, ["get", "set"]);
        metrics.RecordTicks(0, Ticks(0.000010));   // under the first bound
        metrics.RecordTicks(0, Ticks(0.000025));   // exactly on it: le is "at or under"
        metrics.RecordTicks(0, Ticks(0.003));      // between 2.5 ms and 5 ms
        metrics.RecordTicks(0, Ticks(10));         // over every bound: only +Inf

        var get = Assert.Single(metrics.Read());
        Assert.Equal("get", get.Command);
        Assert.Equal(4, get.Count);
        var bounds = CommandMetrics.BucketBounds;
        Assert.Equal(bounds.Length + 1, get.CumulativeBuckets.Length);
        Assert.Equal(2, get.CumulativeBuckets[0]);
        Assert.Equal(2, get.CumulativeBuckets[Array.IndexOf(bounds, 0.0025)]);
        Assert.Equal(3, get.CumulativeBuckets[Array.IndexOf(bounds, 0.005)]);
        Assert.Equal(3, get.CumulativeBuckets[bounds.Length - 1]);
        Assert.Equal(4, get.CumulativeBuckets[^1]);
        Assert.Equal(10.003035, get.SumSeconds, 5);
    }

    [Fact]
    public void Known_names_keep_their_order_as_slots_and_names_past_the_capacity_share_other()
    {
        var metrics = new CommandMetrics("http", 3, ["a", "b"]);
        Assert.Equal(0, metrics.SlotFor("a"));
        Assert.Equal(1, metrics.SlotFor("b"));
        int c = metrics.SlotFor("c");
        Assert.Equal(c, metrics.SlotFor("c"));
        int overflow = metrics.SlotFor("d");
        Assert.Equal(overflow, metrics.SlotFor("e"));
        metrics.RecordTicks(overflow, 1);
        metrics.RecordTicks(metrics.SlotFor("f"), 1);
        Assert.Equal(2, metrics.Read().Single(s => s.Command == "other").Count);
    }

    [Fact]
    public void Counts_from_many_threads_add_up_exactly()
    {
        var metrics = new CommandMetrics("resp", 4, ["incr"]);
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 100_000; i++) metrics.RecordTicks(0, 1);
        });
        Assert.Equal(800_000, metrics.Read().Single().Count);
    }
}
