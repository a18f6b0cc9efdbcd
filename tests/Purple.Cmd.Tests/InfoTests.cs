using Purple.Cmd.Common;

namespace Purple.Cmd.Tests;

/// <summary>purple info against a real node's /metrics: the table, the JSON, and the failures.</summary>
public sealed class InfoTests(CmdNode node) : IClassFixture<CmdNode>
{
    private static readonly string NodeVersion = typeof(Node.Program).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0];

    [Fact]
    public async Task Json_reports_keys_per_db_memory_hits_and_connections()
    {
        // Database 9 is this test's own: its counts are exact.
        for (int i = 0; i < 3; i++) Expect.Ok(await node.RunAsync("kv", "put", $"in:{i}", "value", "--db", "9"), "OK\n");
        Expect.Ok(await node.RunAsync("cache", "set", "in:ttl", "value", "--db", "9", "--ttl", "10m"), "OK\n");
        Expect.Ok(await node.RunAsync("kv", "get", "in:0", "--db", "9"), "value");
        Expect.Failed(await node.RunAsync("kv", "get", "in:none", "--db", "9"), ExitCodes.NotFound, "in:none");

        var info = Expect.Json(await Cli.RunAsync("info", "--http", node.Http, "-o", "json"));
        Assert.Equal($"{node.Http}/metrics", info.GetProperty("source").GetString());
        Assert.Equal(NodeVersion, info.GetProperty("version").GetString());
        Assert.True(info.GetProperty("uptimeSeconds").GetDouble() > 0);
        var db9 = info.GetProperty("keys").GetProperty("perDb").GetProperty("9");
        Assert.Equal(4, db9.GetProperty("keys").GetInt64());
        Assert.Equal(1, db9.GetProperty("expiring").GetInt64());
        Assert.True(info.GetProperty("keys").GetProperty("total").GetInt64() >= 4);
        var memory = info.GetProperty("memory");
        Assert.True(memory.GetProperty("usedBytes").GetInt64() > 0);
        Assert.Equal(64L << 20, memory.GetProperty("capacityBytes").GetInt64());
        long hits = info.GetProperty("hits").GetInt64(), misses = info.GetProperty("misses").GetInt64();
        Assert.True(hits >= 1 && misses >= 1, $"hits {hits}, misses {misses}");
        Assert.Equal((double)hits / (hits + misses), info.GetProperty("hitRatio").GetDouble(), 5);
        Assert.Equal("volatile-lru", info.GetProperty("eviction").GetProperty("policy").GetString());
        var connections = info.GetProperty("connections");
        Assert.Equal(["resp", "memcached", "http", "grpc"], connections.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.True(connections.GetProperty("grpc").GetProperty("accepted").GetInt64() >= 6);
        var listeners = info.GetProperty("listeners");
        Assert.Equal(["resp", "memcached", "http", "grpc"], listeners.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(node.Node.Http.ToString(), listeners.GetProperty("http").GetProperty("address").GetString());
        Assert.Equal(node.Node.Grpc.ToString(), listeners.GetProperty("grpc").GetProperty("address").GetString());
        Assert.False(listeners.GetProperty("resp").GetProperty("tls").GetBoolean());
    }

    [Fact]
    public async Task Text_is_a_table_with_every_field()
    {
        Expect.Ok(await node.RunAsync("kv", "put", "in:t", "value", "--db", "11"), "OK\n");
        var result = await Cli.RunAsync("info", "--http", node.Http);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StdErr);
        string text = result.StdOut;
        Assert.Contains($"Purple {NodeVersion} at {node.Node.Http}", text, StringComparison.Ordinal);
        foreach (var row in new[] { "version", "uptime", "keys", "db11", "memory", "used of 64 MB", "eviction", "hit ratio", "commands", "connections", "grpc", "listeners", node.Node.Resp.ToString() })
        {
            Assert.Contains(row, text, StringComparison.Ordinal);
        }
        // A table, drawn without colours or cursor movement when stdout is not a terminal.
        Assert.Contains("│", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_that_is_not_purples_http_exits_3()
    {
        // The gRPC port answers HTTP, but not with Purple's metrics.
        Expect.Failed(await Cli.RunAsync("info", "--http", node.Grpc), ExitCodes.Refused, "/metrics");
        await using var plain = TestServer.Http("hello");
        Expect.Failed(await Cli.RunAsync("info", "--http", plain.Url, "-o", "json"), ExitCodes.Refused, "no purple_build_info");
    }

    [Fact]
    public async Task An_unreachable_node_exits_4()
    {
        Expect.Failed(await Cli.RunAsync("info", "--http", "http://127.0.0.1:1"), ExitCodes.Unavailable, "cannot reach http://127.0.0.1:1/metrics");
    }
}
