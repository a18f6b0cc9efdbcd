using System.Text;
using Purple.Cmd.Bench;
using Purple.Cmd.Common;
using Purple.Node.Tests;

namespace Purple.Cmd.Tests;

/// <summary>
/// Both of purple bench's drivers — the epoll event loop (Linux) and the portable one — against a real node and
/// against peers that split replies, close mid-run or take large writes in pieces.
/// </summary>
public sealed class BenchDriverTests(CmdNode node) : IClassFixture<CmdNode>
{
    public static TheoryData<string> Drivers => ["event-loop", "portable"];

    private static BenchDriver Driver(string name) => name == "event-loop" ? BenchDriver.EventLoop : BenchDriver.Portable;

    private static BenchSettings Settings(int port, int clients, long requests, int pipeline, int db = 0, int dataSize = 64) =>
        new("127.0.0.1", port, clients, requests, null, pipeline, dataSize, 0, ["incr"], db, TimeSpan.FromSeconds(10));

    private static Task<BenchResult> RunAsync(BenchSettings settings, string test, string driver) =>
        BenchRunner.RunAsync(settings, BenchOperation.Create(test, settings.DataSize), null, CancellationToken.None, Driver(driver));

    [Theory]
    [InlineData("event-loop", 1, 8)]
    [InlineData("event-loop", 7, 9)]
    [InlineData("portable", 1, 10)]
    [InlineData("portable", 7, 11)]
    public async Task Every_request_is_sent_once_and_answered(string driver, int pipeline, int db)
    {
        // Without -r every INCR names the same key, so the counter is the number of requests the node executed:
        // 1000 is not a multiple of 7, so the last batch of some connection is a short one.
        var result = await RunAsync(Settings(node.Node.Resp.Port, clients: 3, requests: 1000, pipeline, db), "incr", driver);
        Assert.Equal(1000, result.Requests);
        Assert.Equal(0, result.Errors);
        Assert.Equal(1000, result.Latency.Count);
        await using var resp = await RespTestClient.ConnectAsync(node.Node.Resp);
        await resp.CommandAsync("SELECT", db.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1000", (await resp.CommandAsync("GET", "counter:__rand_int__")).Text);
    }

    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Batches_larger_than_the_socket_takes_at_once_are_written_in_pieces(string driver)
    {
        // 4 x 1 MB values per batch: more than a loopback socket's send buffer, so the non-blocking writes stop short.
        int db = driver == "event-loop" ? 12 : 13;
        var result = await RunAsync(Settings(node.Node.Resp.Port, clients: 2, requests: 16, pipeline: 4, db, dataSize: 1 << 20), "set", driver);
        Assert.Equal(16, result.Requests);
        Assert.True(result.Errors == 0, result.FirstError);
        await using var resp = await RespTestClient.ConnectAsync(node.Node.Resp);
        await resp.CommandAsync("SELECT", db.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1 << 20, (await resp.CommandAsync("STRLEN", "key:__rand_int__")).Integer);
    }

    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Replies_that_arrive_a_byte_at_a_time_are_each_judged_once(string driver)
    {
        await using var peer = TestServer.Answering("*1\r\n$4\r\nPING\r\n"u8.ToArray(), "+PONG\r\n"u8.ToArray(), byteByByte: true);
        var result = await RunAsync(Settings(peer.Port, clients: 2, requests: 30, pipeline: 3), "ping", driver);
        Assert.Equal(30, result.Requests);
        Assert.True(result.Errors == 0, result.FirstError);
    }

    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task Wrong_replies_are_errors_of_the_run(string driver)
    {
        await using var peer = TestServer.Answering("*1\r\n$4\r\nPING\r\n"u8.ToArray(), "-ERR no\r\n"u8.ToArray(), byteByByte: false);
        var result = await RunAsync(Settings(peer.Port, clients: 2, requests: 20, pipeline: 4), "ping", driver);
        Assert.Equal(20, result.Requests);
        Assert.Equal(20, result.Errors);
        Assert.Equal("ERR no", result.FirstError);
    }

    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task A_reply_that_is_not_resp_ends_the_run_as_refused(string driver)
    {
        await using var peer = TestServer.Answering("*1\r\n$4\r\nPING\r\n"u8.ToArray(), "HTTP/1.1 400 Bad Request\r\n"u8.ToArray(), byteByByte: false);
        var failure = await Assert.ThrowsAsync<BenchFailure>(() => RunAsync(Settings(peer.Port, clients: 2, requests: 20, pipeline: 1), "ping", driver));
        Assert.Equal(ExitCodes.Refused, failure.ExitCode);
        Assert.Contains("not RESP", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Drivers))]
    public async Task A_peer_that_closes_mid_run_fails_it_as_unavailable(string driver)
    {
        await using var peer = TestServer.ClosingAfter(Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n"), "+PONG\r\n"u8.ToArray(), requests: 5);
        var failure = await Assert.ThrowsAsync<BenchFailure>(() => RunAsync(Settings(peer.Port, clients: 2, requests: 1000, pipeline: 1), "ping", driver));
        Assert.Equal(ExitCodes.Unavailable, failure.ExitCode);
    }
}
