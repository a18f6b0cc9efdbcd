using System.Diagnostics;
using System.Text;
using Purple.Cmd.Bench;

namespace Purple.Cmd.Tests;

/// <summary>The benchmark's reply scanner and latency histogram, on their own.</summary>
public sealed class BenchPartsTests
{
    private static readonly byte[] Replies = Encoding.ASCII.GetBytes("+OK\r\n-ERR no\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n:1\r\n*-1\r\n$0\r\n\r\n");

    private static readonly (ReplyKind Kind, string Text, long Integer)[] Expected =
    [
        (ReplyKind.Simple, "OK", 0), (ReplyKind.Error, "ERR no", 0), (ReplyKind.Integer, "", 42), (ReplyKind.Bulk, "", 0), (ReplyKind.Null, "", 0),
        (ReplyKind.Other, "", 0), (ReplyKind.Null, "", 0), (ReplyKind.Bulk, "", 0),
    ];

    [Fact]
    public void Scanner_reads_each_reply_and_says_incomplete_at_every_split()
    {
        Assert.Equal(Expected, ScanAll(Replies));
        // Every prefix that cuts a reply short is incomplete, never a wrong reply.
        int replyStart = 0;
        for (int cut = 0; cut < Replies.Length; cut++)
        {
            var status = RespReplyScanner.TryScan(Replies.AsSpan(replyStart, cut - replyStart), out int consumed, out _, out _, out _);
            if (status == RespReplyScanner.Status.Complete) replyStart += consumed;
            else Assert.Equal(RespReplyScanner.Status.Incomplete, status);
        }
    }

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$3\r\nabcd\r\n")]
    [InlineData("$-5\r\n")]
    [InlineData("\r\n")]
    public void Scanner_rejects_what_is_not_resp(string text)
    {
        Assert.Equal(RespReplyScanner.Status.Malformed, RespReplyScanner.TryScan(Encoding.ASCII.GetBytes(text), out _, out _, out _, out _));
    }

    [Fact]
    public void Scanner_refuses_nesting_deeper_than_any_reply()
    {
        var deep = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("*1\r\n", 100)) + ":1\r\n");
        Assert.Equal(RespReplyScanner.Status.Malformed, RespReplyScanner.TryScan(deep, out _, out _, out _, out _));
    }

    [Fact]
    public void Histogram_buckets_cover_every_value_within_one_percent()
    {
        foreach (long v in new long[] { 0, 1, 255, 256, 257, 1000, 123_456, 1L << 40, long.MaxValue / 2 })
        {
            int i = LatencyHistogram.Index(v);
            long upper = LatencyHistogram.UpperBound(i);
            Assert.True(upper >= v, $"{v}: bucket {i} ends at {upper}");
            Assert.True(upper - v <= Math.Max(1, v / 100), $"{v}: bucket {i} ends at {upper}");
            if (i > 0) Assert.True(LatencyHistogram.UpperBound(i - 1) < v, $"{v} belongs in an earlier bucket than {i}");
        }
    }

    [Fact]
    public void Histogram_percentiles_match_the_recorded_values()
    {
        var h = new LatencyHistogram();
        long msTicks = Stopwatch.Frequency / 1000;
        for (int i = 1; i <= 1000; i++) h.Record(i * msTicks / 10);   // 0.1 ms … 100 ms, evenly
        Assert.Equal(1000, h.Count);
        Assert.Equal(50, h.PercentileMs(50), 0.5);
        Assert.Equal(95, h.PercentileMs(95), 1.0);
        Assert.Equal(99, h.PercentileMs(99), 1.0);
        Assert.Equal(100, h.MaxMs, 0.01);
        var other = new LatencyHistogram();
        other.Record(500 * msTicks);
        h.Add(other);
        Assert.Equal(1001, h.Count);
        Assert.Equal(500, h.MaxMs, 0.01);
        Assert.Equal(0, new LatencyHistogram().PercentileMs(99));
    }

    [Fact]
    public void Templates_match_redis_benchmarks_commands()
    {
        var (request, placeholders) = BenchOperation.Create("set", 3).Template();
        Assert.Equal("*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n", Encoding.ASCII.GetString(request));
        Assert.Equal([Encoding.ASCII.GetString(request).IndexOf("__rand_int__", StringComparison.Ordinal)], placeholders);
        Assert.Equal(10, BenchOperation.Create("mset", 1).Template().Placeholders.Length);
        Assert.Empty(BenchOperation.Create("spop", 1).Template().Placeholders);
    }

    private static List<(ReplyKind, string, long)> ScanAll(byte[] buffer)
    {
        var result = new List<(ReplyKind, string, long)>();
        int at = 0;
        while (at < buffer.Length)
        {
            Assert.Equal(RespReplyScanner.Status.Complete, RespReplyScanner.TryScan(buffer.AsSpan(at), out int consumed, out var kind, out var text, out long integer));
            result.Add((kind, Encoding.ASCII.GetString(text), integer));
            at += consumed;
        }
        return result;
    }
}
