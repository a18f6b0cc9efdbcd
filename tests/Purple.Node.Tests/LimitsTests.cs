using System.Net.Sockets;
using System.Text;
using Purple.Core.Commands;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>Connection limits, idle and stalled clients, and output that stays bounded while a pipeline runs.</summary>
public sealed class LimitsTests
{
    private static async Task<string> ScrapeAsync(PurpleHost host)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://{host.HttpEndPoint}/metrics");
    }

    /// <summary>
    /// A closed connection's slot is freed once the server has seen it close, so a new one is tried until it is
    /// admitted (or 10 s pass); the last reply is returned.
    /// </summary>
    private static async Task<string> PingOnANewConnectionAsync(PurpleHost host)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string reply;
        do
        {
            await using var again = await RespTestClient.ConnectAsync(host.RespEndPoint!);
            reply = (await again.CommandAsync("PING")).ToString();
        } while (reply != "+PONG" && DateTime.UtcNow < deadline);
        return reply;
    }

    [Fact]
    public async Task A_connection_over_maxclients_is_told_so_in_its_protocol_and_closed()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings() with { MaxClients = 2 });
        await using var a = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        await using var b = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await a.CommandAsync("PING")).ToString());
        Assert.Equal("+PONG", (await b.CommandAsync("PING")).ToString());
        await using (var c = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            Assert.Equal("-ERR max number of clients reached", (await c.ReadAsync()).ToString());
            Assert.True(await c.IsClosedByServerAsync());
        }
        using var m1 = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!);
        using var m2 = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!);
        Assert.StartsWith("VERSION", await m2.CallLineAsync("version\r\n"));
        Assert.Contains("STAT maxconns 2\r\n", await m2.CallUntilAsync("stats settings\r\n", "END\r\n"));
        using (var m3 = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!))
            Assert.Equal("ERROR Too many open connections", await m3.CallLineAsync(""));

        await b.DisposeAsync();
        Assert.Equal("+PONG", await PingOnANewConnectionAsync(host));
        string metrics = await ScrapeAsync(host);
        Assert.Contains("purple_rejected_total{protocol=\"memcached\",reason=\"max_connections\"} 1", metrics);
        Assert.Matches("purple_rejected_total\\{protocol=\"resp\",reason=\"max_connections\"\\} [1-9]", metrics);
    }

    [Theory]
    [InlineData(NodeTransport.Epoll)]
    [InlineData(NodeTransport.Sockets)]
    public async Task Connections_past_the_descriptor_budget_are_refused_on_every_listener_and_admitted_again_once_one_closes(NodeTransport transport)
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings() with { TotalConnectionLimit = 2, Transport = transport });
        Assert.Equal(2, host.ConnectionBudget);
        await using var a = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await a.CommandAsync("PING")).ToString());
        using var m1 = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!);
        Assert.StartsWith("VERSION", await m1.CallLineAsync("version\r\n"));
        // The budget is over all listeners, unlike --maxclients.
        using (var m2 = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!))
            Assert.Equal("ERROR Too many open connections", await m2.CallLineAsync(""));
        await using (var b = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            Assert.Equal("-ERR max number of clients reached", (await b.ReadAsync()).ToString());
            Assert.True(await b.IsClosedByServerAsync());
        }
        await a.DisposeAsync();
        Assert.Equal("+PONG", await PingOnANewConnectionAsync(host));
    }

    [Fact]
    public void The_descriptor_budget_is_the_open_file_limit_less_what_is_open_and_a_reserve()
    {
        long? limit = DescriptorBudget.OpenFileLimit();
        Assert.True(limit is > 0 || !OperatingSystem.IsLinux(), "Linux always states an open-file limit in /proc/self/limits");
        if (limit is null) return;
        int open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        int? budget = DescriptorBudget.ConnectionLimit();
        Assert.NotNull(budget);
        // Other test threads open and close files meanwhile, so allow a little movement around the exact figure.
        Assert.InRange(budget.Value, Math.Max(0, limit.Value - open - DescriptorBudget.Reserve - 64), Math.Max(0, limit.Value - open - DescriptorBudget.Reserve + 64));
    }

    [Fact]
    public async Task Idle_clients_are_closed_after_the_idle_timeout_and_busy_ones_are_not()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings() with { IdleTimeout = TimeSpan.FromSeconds(1) });
        await using var idle = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        await using var busy = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await idle.CommandAsync("PING")).ToString());
        var closed = idle.IsClosedByServerAsync();
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal("+PONG", (await busy.CommandAsync("PING")).ToString());
            await Task.Delay(250);
        }
        Assert.True(await closed);
        Assert.Contains("purple_rejected_total{protocol=\"resp\",reason=\"idle_timeout\"} 1", await ScrapeAsync(host));
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_disconnected_and_others_are_served_meanwhile()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings() with { OutputStallTimeout = TimeSpan.FromSeconds(1) });
        host.Engine.Execute(new SetCommand(0, "big"u8.ToArray(), new byte[100_000]));
        using var stalled = new TcpClient { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(host.RespEndPoint!);
        var gets = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n", 2000)));
        var stream = stalled.GetStream();
        // Writes until the server stops reading (it waits for this client to read), or until it disconnects us.
        var writing = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < 50; i++) await stream.WriteAsync(gets);
            }
            catch (IOException)
            {
            }
        });
        await using var other = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await other.CommandAsync("PING")).ToString());

        var deadline = DateTime.UtcNow.AddSeconds(15);
        string metrics;
        do
        {
            await Task.Delay(250);
            metrics = await ScrapeAsync(host);
        } while (!metrics.Contains("reason=\"slow_consumer\"} 1", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.Contains("purple_rejected_total{protocol=\"resp\",reason=\"slow_consumer\"} 1", metrics);
        Assert.True(writing.Wait(TimeSpan.FromSeconds(15)), "the stalled client's writes never ended");
        Assert.Equal("+PONG", (await other.CommandAsync("PING")).ToString());
    }

    [Fact]
    public async Task A_pipeline_of_large_replies_comes_back_whole_and_in_order_across_output_chunks()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings());
        var value = new byte[100_000];
        Random.Shared.NextBytes(value);
        host.Engine.Execute(new SetCommand(0, "big"u8.ToArray(), value));
        await using var client = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        // 40 GETs (4 MB of replies), a SET whose 600 KB frame is bigger than the spill threshold, then 40 more GETs.
        var pipeline = new List<byte>();
        for (int i = 0; i < 40; i++) pipeline.AddRange(RespTestClient.Encode("GET", "big"));
        pipeline.AddRange(RespTestClient.Encode("SET", "bigger", new string('x', 600_000)));
        for (int i = 0; i < 40; i++) pipeline.AddRange(RespTestClient.Encode("INCR", "n"));
        for (int i = 0; i < 40; i++) pipeline.AddRange(RespTestClient.Encode("GET", "big"));
        var sending = client.SendAsync(pipeline.ToArray());
        for (int i = 0; i < 40; i++) Assert.Equal(value, (await client.ReadAsync()).Bytes);
        Assert.Equal("+OK", (await client.ReadAsync()).ToString());
        for (int i = 1; i <= 40; i++) Assert.Equal(i, (await client.ReadAsync()).Integer);
        for (int i = 0; i < 40; i++) Assert.Equal(value, (await client.ReadAsync()).Bytes);
        await sending;

        using var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!);
        string replies = await mc.CallUntilAsync(string.Concat(Enumerable.Repeat("get big\r\n", 30)) + "version\r\n", "VERSION 1.6.18\r\n");
        Assert.Equal(30, replies.Split("VALUE big 0 100000\r\n").Length - 1);
    }

    [Fact]
    public async Task Requests_kestrel_refuses_before_purple_sees_them_are_counted_too()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{host.HttpEndPoint}/healthz");
        request.Headers.TryAddWithoutValidation("X-Big", new string('a', 40_000));
        Assert.Equal(System.Net.HttpStatusCode.RequestHeaderFieldsTooLarge, (await http.SendAsync(request)).StatusCode);
        // The connection's end is measured when Kestrel closes it, just after the 431.
        const string series = "purple_rejected_total{protocol=\"http\",reason=\"max_request_headers_total_size_exceeded\"} 1";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string metrics;
        do metrics = await ScrapeAsync(host);
        while (!metrics.Contains(series, StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.Contains(series, metrics);
    }

    [Theory]
    [InlineData("max_request_headers_total_size_exceeded", true)]
    [InlineData("invalid_request_line", true)]
    [InlineData("request_headers_timeout", true)]
    [InlineData("min_request_body_data_rate", true)]
    [InlineData("tls_handshake_failed", true)]
    [InlineData("connection_reset", false)]
    [InlineData("app_shutdown_timeout", false)]
    [InlineData("client_goaway", false)]
    public void Only_limits_and_protocol_rules_count_as_kestrel_refusals(string reason, bool refusal) =>
        Assert.Equal(refusal, Purple.Node.Metrics.KestrelRefusals.IsRefusal(reason));
}
