using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Purple.Actors;
using Purple.Node.Hosting;
using Purple.Protocols.Grpc.V1;

namespace Purple.Node.Tests;

/// <summary>/metrics on a node of its own, so every count is exact: traffic on each protocol, then one scrape.</summary>
public sealed partial class MetricsTests
{
    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$""")]
    private static partial Regex SampleLine();

    private static async Task<Dictionary<string, double>> ScrapeAsync(PurpleHost host)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}") };
        var response = await http.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType!.ToString());
        string text = await response.Content.ReadAsStringAsync();
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                Assert.True(typed.Add(line.Split(' ')[2]), $"family declared twice: {line}");
                continue;
            }
            if (line.StartsWith('#')) continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            string value = match.Groups[3].Value;
            samples.Add(match.Groups[1].Value + match.Groups[2].Value,
                value == "+Inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture));
        }
        return samples;
    }

    [Fact]
    public async Task Every_protocol_counts_its_commands_latency_and_connections_and_the_engine_its_keys()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings());
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            for (int i = 0; i < 3; i++) await resp.CommandAsync("SET", $"k{i}", "v");
            await resp.CommandAsync("GET", "k0");
            await resp.CommandAsync("GET", "missing");
            var during = await ScrapeAsync(host);
            Assert.Equal(1, during["purple_connections{protocol=\"resp\"}"]);
        }
        using (var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!))
        {
            Assert.Equal("STORED", await mc.CallLineAsync("set mk 0 0 1\r\nx\r\n"));
            await mc.CallUntilAsync("get mk\r\n", "END\r\n");
        }
        using (var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}") })
        {
            var put = new ByteArrayContent("v"u8.ToArray());
            put.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            Assert.True((await http.PutAsync("/kv/hk", put)).IsSuccessStatusCode);
            await http.GetAsync("/nowhere");
        }
        using (var grpc = new GrpcTestClient(host.GrpcEndPoint!))
        {
            Assert.Equal(0, (await grpc.CallAsync("/purple.v1.Purple/KvGet", new KeyRequest { Key = ByteString.CopyFromUtf8("hk") }, ValueResponse.Parser)).Status);
            await grpc.CallRawAsync("/no.Such/Method", GrpcTestClient.Frame([]));
        }

        // Connections close asynchronously on the server; wait until every listener has seen its client go.
        Dictionary<string, double> m;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            m = await ScrapeAsync(host);
        } while ((m["purple_connections{protocol=\"resp\"}"] != 0 || m["purple_connections{protocol=\"memcached\"}"] != 0) && DateTime.UtcNow < deadline);

        Assert.Equal(3, m["purple_commands_total{command=\"set\",protocol=\"resp\"}"]);
        Assert.Equal(2, m["purple_commands_total{command=\"get\",protocol=\"resp\"}"]);
        Assert.Equal(1, m["purple_commands_total{command=\"set\",protocol=\"memcached\"}"]);
        Assert.Equal(1, m["purple_commands_total{command=\"KvPut\",protocol=\"http\"}"]);
        Assert.Equal(1, m["purple_commands_total{command=\"unmatched\",protocol=\"http\"}"]);
        Assert.Equal(1, m["purple_commands_total{command=\"purple.v1.Purple/KvGet\",protocol=\"grpc\"}"]);
        Assert.Equal(1, m["purple_commands_total{command=\"unknown\",protocol=\"grpc\"}"]);

        const string set = "protocol=\"resp\",command=\"set\"";
        Assert.Equal(3, m[$"purple_command_duration_seconds_count{{{set}}}"]);
        Assert.Equal(3, m[$"purple_command_duration_seconds_bucket{{{set},le=\"+Inf\"}}"]);
        Assert.True(m[$"purple_command_duration_seconds_sum{{{set}}}"] > 0);
        double previous = 0;
        foreach (var bound in Purple.Protocols.Metrics.CommandMetrics.BucketBounds)
        {
            double atBound = m[$"purple_command_duration_seconds_bucket{{{set},le=\"{bound.ToString("R", CultureInfo.InvariantCulture)}\"}}"];
            Assert.True(atBound >= previous);
            previous = atBound;
        }

        Assert.Equal(1, m["purple_connections_received_total{protocol=\"resp\"}"]);
        Assert.Equal(0, m["purple_connections{protocol=\"resp\"}"]);
        Assert.Equal(1, m["purple_connections_received_total{protocol=\"memcached\"}"]);
        Assert.True(m["purple_connections_received_total{protocol=\"http\"}"] >= 2);
        Assert.Equal(5, m["purple_keys{db=\"0\"}"]);
        Assert.Equal(0, m["purple_keys{db=\"1\"}"]);
        Assert.Equal(3, m["purple_keyspace_hits_total"]);   // RESP GET k0, memcached get mk, gRPC KvGet hk
        Assert.Equal(1, m["purple_keyspace_misses_total"]);
        Assert.True(m["purple_memory_used_bytes"] > 0);
        Assert.Equal(64L << 20, m["purple_memory_capacity_bytes"]);
        Assert.True(m["process_cpu_seconds_total"] > 0);
        Assert.True(m["process_resident_memory_bytes"] > 0);
        Assert.Contains(m.Keys, k => k.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        Assert.Equal(1, m[$"purple_build_info{{version=\"{NodeServerInfo.ProductVersion}\"}}"]);
        Assert.Equal(1, m[$"purple_listener_info{{address=\"{host.RespEndPoint}\",protocol=\"resp\",tls=\"false\"}}"]);
        Assert.Equal(1, m[$"purple_listener_info{{address=\"{host.GrpcEndPoint}\",protocol=\"grpc\",tls=\"false\"}}"]);
    }

    [Fact]
    public async Task The_io_loops_polling_is_reported_when_it_is_on_and_absent_when_it_is_off()
    {
        await using (var host = await NodeFixture.StartAsync(NodeFixture.Settings() with { IoPollMicros = 50 }))
        {
            await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
            {
                for (int i = 0; i < 200; i++) await resp.CommandAsync("INCR", "n");
            }
            var m = await ScrapeAsync(host);
            // Every wait of the loop that served the 200 requests ended one way or the other.
            Assert.True(m["purple_io_wakeups_total{by=\"poll\"}"] + m["purple_io_wakeups_total{by=\"sleep\"}"] >= 200);
            Assert.True(m["purple_io_poll_time_seconds_total"] >= 0);
        }
        await using (var host = await NodeFixture.StartAsync(NodeFixture.Settings() with { IoPollMicros = 0 }))
        {
            var m = await ScrapeAsync(host);
            Assert.DoesNotContain(m.Keys, k => k.StartsWith("purple_io_", StringComparison.Ordinal));
            Assert.Contains(m.Keys, k => k.StartsWith("purple_uptime_seconds", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Refusals_are_counted_by_protocol_and_reason()
    {
        var settings = NodeFixture.Settings(capacity: 64 * 1024, eviction: EvictionPolicy.None) with { ProtoMaxBulkLen = 16 * 1024 };
        await using var host = await NodeFixture.StartAsync(settings);
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            await resp.SendAsync("*1\r\n$-5\r\n");
            Assert.True(await resp.IsClosedByServerAsync());
        }
        using (var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}") })
        {
            Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, (await http.PutAsync("/kv/big", new ByteArrayContent(new byte[16 * 1024 + 1]))).StatusCode);
            for (int i = 0; i < 100; i++) await http.PutAsync($"/kv/fill{i}", new ByteArrayContent(new byte[1000]));
        }
        var m = await ScrapeAsync(host);
        Assert.Equal(1, m["purple_rejected_total{protocol=\"resp\",reason=\"protocol_error\"}"]);
        Assert.Equal(1, m["purple_rejected_total{protocol=\"http\",reason=\"too_large\"}"]);
        Assert.Equal(0, m["purple_rejected_total{protocol=\"memcached\",reason=\"too_large\"}"]);
        Assert.True(m["purple_writes_rejected_total{reason=\"out_of_memory\"}"] > 0);
        Assert.Equal(0, m["purple_evicted_keys_total{policy=\"noeviction\"}"]);
    }
}
