using System.Net.Http;
using System.Text;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>
/// --storage sqlite through the node (docs/storage.md): what RESP, memcached and HTTP clients wrote is there after a
/// restart, SAVE/BGSAVE/LASTSAVE/INFO persistence answer as Redis does, and one data directory serves one node.
/// </summary>
public sealed class DurableNodeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "purple-node-durable-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private NodeSettings Durable(Purple.Storage.FsyncMode fsync = Purple.Storage.FsyncMode.Always) =>
        NodeFixture.Settings() with { Storage = new StorageSettings(_dir, fsync, 64L << 20) };

    [Fact]
    public async Task Writes_from_every_protocol_survive_a_restart_with_their_metadata()
    {
        var host = await NodeFixture.StartAsync(Durable());
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            Assert.Equal("+OK", (await resp.CommandAsync("SET", "r", "resp-value", "EX", "1000")).ToString());
            Assert.Equal(":3", (await resp.CommandAsync("INCRBY", "n", "3")).ToString());
            Assert.Equal(":2", (await resp.CommandAsync("SADD", "s", "a", "b")).ToString());
        }
        using (var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!))
        {
            Assert.Equal("STORED", await mc.CallLineAsync("set m 77 0 2\r\nmc\r\n"));
        }
        using (var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}") })
        {
            using var content = new StringContent("{\"a\":1}", Encoding.UTF8, "application/json");
            Assert.True((await http.PutAsync("/kv/h", content)).IsSuccessStatusCode);
        }
        await host.StopAsync();
        await host.DisposeAsync();

        var again = await NodeFixture.StartAsync(Durable());
        try
        {
            await using var resp = await RespTestClient.ConnectAsync(again.RespEndPoint!);
            Assert.Equal("\"resp-value\"", (await resp.CommandAsync("GET", "r")).ToString());
            long ttl = long.Parse((await resp.CommandAsync("TTL", "r")).ToString().TrimStart(':'), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(ttl, 990, 1000);
            Assert.Equal("\"3\"", (await resp.CommandAsync("GET", "n")).ToString());
            Assert.Equal(":2", (await resp.CommandAsync("SCARD", "s")).ToString());
            using var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(again.MemcachedEndPoint!);
            Assert.Equal("VALUE m 77 2\r\nmc\r\nEND\r\n", await mc.CallUntilAsync("get m\r\n", "END\r\n"));
            using var http = new HttpClient { BaseAddress = new Uri($"http://{again.HttpEndPoint}") };
            var kv = await http.GetAsync("/kv/h");
            Assert.Equal("application/json", kv.Content.Headers.ContentType?.MediaType);
            Assert.Equal("{\"a\":1}", await kv.Content.ReadAsStringAsync());
        }
        finally
        {
            await again.DisposeAsync();
        }
    }

    [Fact]
    public async Task Save_bgsave_lastsave_and_info_persistence_answer_as_redis_does()
    {
        await using var host = await NodeFixture.StartAsync(Durable(Purple.Storage.FsyncMode.EverySecond));
        await using var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        await resp.CommandAsync("SET", "k", "v");
        string info = (await resp.CommandAsync("INFO", "persistence")).ToString();
        Assert.Contains("aof_enabled:1", info, StringComparison.Ordinal);
        Assert.Contains("rdb_changes_since_last_save:1", info, StringComparison.Ordinal);
        Assert.Contains("purple_fsync:everysec", info, StringComparison.Ordinal);
        // What tools read to know whether a server persists (redis-benchmark, redis-cli --stat): Purple's journal is its AOF.
        Assert.Equal(["appendonly", "yes"], (await resp.CommandAsync("CONFIG", "GET", "appendonly")).Items!.Select(i => i.Text));
        Assert.Equal(["appendfsync", "everysec"], (await resp.CommandAsync("CONFIG", "GET", "appendfsync")).Items!.Select(i => i.Text));
        Assert.Equal("+OK", (await resp.CommandAsync("SAVE")).ToString());
        Assert.Contains("rdb_changes_since_last_save:0", (await resp.CommandAsync("INFO", "persistence")).ToString(), StringComparison.Ordinal);
        long lastSave = long.Parse((await resp.CommandAsync("LASTSAVE")).ToString().TrimStart(':'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(lastSave, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal("+Background saving started", (await resp.CommandAsync("BGSAVE")).ToString());
        Assert.Equal("-ERR syntax error", (await resp.CommandAsync("BGSAVE", "NOW")).ToString());
        Assert.Single(Directory.GetFiles(_dir, "snapshot-*.db").Where(f => f.EndsWith(".db", StringComparison.Ordinal)).Take(1));
    }

    [Fact]
    public async Task Metrics_show_the_journal_and_snapshots()
    {
        await using var host = await NodeFixture.StartAsync(Durable());
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            await resp.CommandAsync("SET", "k", "v");
            await resp.CommandAsync("INCR", "n");
            Assert.Equal("+OK", (await resp.CommandAsync("SAVE")).ToString());
        }
        using var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}") };
        string text = await http.GetStringAsync("/metrics");
        Assert.Contains("purple_journal_records_total 2", text, StringComparison.Ordinal);
        Assert.Contains("purple_journal_fsyncs_total 2", text, StringComparison.Ordinal);
        Assert.Contains("purple_snapshots_total{result=\"ok\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("purple_snapshot_changes 0", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Concurrent_writers_under_fsync_always_get_every_reply_and_lose_nothing_across_a_restart(int ioThreads)
    {
        // Under always each I/O loop commits its own batches (docs/storage.md, "Who commits under always"); with two
        // loops their commits also meet on the journal's gate.
        const int Clients = 12, Writes = 150;
        var settings = Durable() with { IoThreads = ioThreads };
        var host = await NodeFixture.StartAsync(settings);
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            await using var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!);
            for (int i = 1; i <= Writes; i++)
            {
                Assert.StartsWith(":", (await resp.CommandAsync("INCR", "shared")).ToString(), StringComparison.Ordinal);
                Assert.Equal(":1", (await resp.CommandAsync("SADD", "members", $"c{c}-{i}")).ToString());
            }
        })).WaitAsync(TimeSpan.FromSeconds(60));
        await host.StopAsync();
        await host.DisposeAsync();

        await using var again = await NodeFixture.StartAsync(settings);
        await using var check = await RespTestClient.ConnectAsync(again.RespEndPoint!);
        Assert.Equal($"\"{Clients * Writes}\"", (await check.CommandAsync("GET", "shared")).ToString());
        Assert.Equal($":{Clients * Writes}", (await check.CommandAsync("SCARD", "members")).ToString());
    }

    [Fact]
    public async Task Save_on_a_memory_node_says_how_to_get_persistence()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings());
        await using var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.StartsWith("-ERR this node keeps data in memory only", (await resp.CommandAsync("SAVE")).ToString(), StringComparison.Ordinal);
        Assert.StartsWith("-ERR this node keeps data in memory only", (await resp.CommandAsync("BGSAVE")).ToString(), StringComparison.Ordinal);
        Assert.Contains("aof_enabled:0", (await resp.CommandAsync("INFO", "persistence")).ToString(), StringComparison.Ordinal);
        Assert.Equal(["appendonly", "no"], (await resp.CommandAsync("CONFIG", "GET", "appendonly")).Items!.Select(i => i.Text));
    }

    [Fact]
    public async Task A_second_node_on_the_same_data_directory_is_refused_with_what_to_do()
    {
        await using var host = await NodeFixture.StartAsync(Durable());
        var error = Assert.Throws<Purple.Storage.RecoveryException>(() => PurpleHost.Create(Durable(), logging => { }));
        Assert.Contains("in use by another Purple process", error.Message, StringComparison.Ordinal);
    }
}
