using System.Diagnostics;

namespace Purple.Node.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_closes_idle_resp_and_memcached_clients_at_once_instead_of_waiting_out_the_timeout()
    {
        var host = await NodeFixture.StartAsync(NodeFixture.Settings());
        await using var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await resp.CommandAsync("PING")).ToString());
        using var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!);
        Assert.StartsWith("VERSION", await mc.CallLineAsync("version\r\n"));

        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StopAsync(timeout.Token);
        // The shutdown timeout is 10 s; idle connections used to hold the stop for all of it.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed}");
        Assert.True(await resp.IsClosedByServerAsync());
        await host.DisposeAsync();
    }
}
