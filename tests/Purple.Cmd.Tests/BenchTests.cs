using System.Text.Json;
using Purple.Cmd.Common;
using Purple.Node.Tests;

namespace Purple.Cmd.Tests;

/// <summary>purple bench against a real node's RESP port: short runs whose reports must be complete and right.</summary>
public sealed class BenchTests(CmdNode node) : IClassFixture<CmdNode>
{
    private string Port => node.Node.Resp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Task<CliResult> BenchAsync(params string[] args) => Cli.RunAsync(["bench", "-p", Port, .. args]);

    [Theory]
    [InlineData("1")]
    [InlineData("8")]
    public async Task Every_test_reports_throughput_and_latency_with_no_errors(string pipeline)
    {
        var json = Expect.Json(await BenchAsync("-n", "400", "-c", "4", "-P", pipeline, "-r", "1000", "-d", "16", "--db", "1",
            "-t", "ping,set,get,incr,sadd,spop,mset", "-o", "json"));
        Assert.Equal($"127.0.0.1:{Port}", json.GetProperty("target").GetString());
        Assert.Equal(int.Parse(pipeline, System.Globalization.CultureInfo.InvariantCulture), json.GetProperty("pipeline").GetInt32());
        Assert.Equal(400, json.GetProperty("requests").GetInt64());
        var tests = json.GetProperty("tests").EnumerateArray().ToList();
        Assert.Equal(["ping", "set", "get", "incr", "sadd", "spop", "mset"], tests.Select(t => t.GetProperty("test").GetString()!).ToArray());
        foreach (var t in tests)
        {
            string name = t.GetProperty("test").GetString()!;
            Assert.True(t.GetProperty("requests").GetInt64() == 400, name);
            Assert.True(t.GetProperty("errors").GetInt64() == 0, $"{name}: {t.GetProperty("firstError")}");
            Assert.True(t.GetProperty("opsPerSecond").GetDouble() > 0, name);
            var l = t.GetProperty("latencyMs");
            double p50 = l.GetProperty("p50").GetDouble(), p95 = l.GetProperty("p95").GetDouble(), p99 = l.GetProperty("p99").GetDouble(), max = l.GetProperty("max").GetDouble();
            Assert.True(p50 > 0 && p50 <= p95 && p95 <= p99 && p99 <= max, $"{name}: {l}");
        }
    }

    [Fact]
    public async Task Text_output_is_a_table_with_a_row_per_test()
    {
        var result = await BenchAsync("-n", "200", "-c", "2", "--db", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StdErr);
        foreach (var column in new[] { "test", "requests", "errors", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms" }) Assert.Contains(column, result.StdOut, StringComparison.Ordinal);
        var rows = result.StdOut.Split('\n').Where(l => l.Contains("│ ", StringComparison.Ordinal)).Select(l => l.Split('│', StringSplitOptions.TrimEntries)).ToList();
        foreach (var test in new[] { "SET", "GET", "INCR", "SADD" })
        {
            var row = rows.Single(r => r[1] == test);
            Assert.Equal("200", row[2]);
            Assert.Equal("0", row[3]);
            Assert.True(double.Parse(row[5].Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) > 0, string.Join('|', row));
        }
    }

    [Fact]
    public async Task Keys_are_random_within_the_keyspace_as_redis_benchmark_makes_them()
    {
        Expect.Json(await BenchAsync("-n", "300", "-c", "3", "-t", "set", "-r", "40", "--db", "6", "-o", "json"));
        await using var resp = await RespTestClient.ConnectAsync(node.Node.Resp);
        await resp.CommandAsync("SELECT", "6");
        var keys = (await resp.CommandAsync("KEYS", "*")).Items!.Select(k => k.Text!).ToList();
        Assert.InRange(keys.Count, 10, 40);
        Assert.All(keys, k => Assert.Matches("^key:0000000000[0-3][0-9]$", k));
        Assert.Equal(new string('x', 64), (await resp.CommandAsync("GET", keys[0])).Text);
    }

    [Fact]
    public async Task Error_replies_are_counted_as_errors_and_the_run_exits_3()
    {
        await using var resp = await RespTestClient.ConnectAsync(node.Node.Resp);
        await resp.CommandAsync("SELECT", "7");
        await resp.CommandAsync("SET", "counter:__rand_int__", "not a number");
        await resp.CommandAsync("SADD", "key:__rand_int__", "a set, not a string");
        var result = await BenchAsync("-n", "50", "-c", "2", "-t", "incr,get,ping", "--db", "7", "-o", "json");
        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("100 of 150 replies were errors", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("ERR value is not an integer", result.StdErr, StringComparison.Ordinal);
        // The run finished, so its report is there, errors and all.
        using var report = JsonDocument.Parse(result.StdOut);
        var tests = report.RootElement.GetProperty("tests").EnumerateArray().ToDictionary(t => t.GetProperty("test").GetString()!);
        Assert.Equal(50, tests["incr"].GetProperty("errors").GetInt64());
        Assert.Equal(50, tests["get"].GetProperty("errors").GetInt64());
        Assert.StartsWith("WRONGTYPE", tests["get"].GetProperty("firstError").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, tests["ping"].GetProperty("errors").GetInt64());
    }

    [Fact]
    public async Task A_timed_run_reports_its_duration()
    {
        var json = Expect.Json(await BenchAsync("--duration", "300ms", "-c", "2", "-t", "ping", "-o", "json"));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("requests").ValueKind);
        Assert.Equal(0.3, json.GetProperty("durationSeconds").GetDouble(), 3);
        var ping = json.GetProperty("tests")[0];
        Assert.True(ping.GetProperty("requests").GetInt64() > 0);
        Assert.InRange(ping.GetProperty("seconds").GetDouble(), 0.29, 30);
    }

    [Fact]
    public async Task On_a_terminal_progress_is_drawn_live_on_stderr()
    {
        var result = await Cli.RunAsync(["bench", "-p", Port, "-n", "300", "-c", "2", "-t", "set,get", "--db", "3"], errorIsTerminal: true);
        Assert.True(result.ExitCode == 0, result.ToString());
        // Spectre's live display: cursor control sequences, each test's line and its completed bar.
        Assert.Contains("\u001b[", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("SET", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("GET", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("100%", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("ops/s", result.StdErr, StringComparison.Ordinal);
        // The results stay on stdout, free of the progress display.
        Assert.Contains("│ SET", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("100%", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_to_run_exit_with_nothing_on_stdout()
    {
        Expect.Failed(await Cli.RunAsync("bench", "-p", "1", "-n", "10"), ExitCodes.Unavailable, "127.0.0.1:1");
        Expect.Failed(await BenchAsync("-n", "10", "--db", "99"), ExitCodes.Refused, "SELECT 99");
        Expect.Failed(await BenchAsync("-n", "10", "--duration", "1s"), ExitCodes.Usage, "not both");
        Expect.Failed(await BenchAsync("-t", "set,lpush"), ExitCodes.Usage, "unknown test 'lpush'");
        Expect.Failed(await BenchAsync("-c", "0"), ExitCodes.Usage, "--clients must be 1 or more");
        Expect.Failed(await BenchAsync("-P", "-3"), ExitCodes.Usage, "--pipeline");
    }

    [Fact]
    public async Task A_node_that_stops_answering_fails_the_run_after_the_timeout()
    {
        // Accepts connections, reads requests, answers nothing.
        await using var silent = TestServer.Silent();
        string port = silent.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = await Cli.RunAsync("bench", "-p", port, "-n", "10", "-c", "2", "--timeout", "300ms");
        Expect.Failed(result, ExitCodes.Unavailable, "no reply from");
    }
}
