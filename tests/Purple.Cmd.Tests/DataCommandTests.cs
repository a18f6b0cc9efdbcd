using System.Text;
using Purple.Cmd.Common;

namespace Purple.Cmd.Tests;

/// <summary>Every data command against a real node: stdout, stderr and exit codes, text and JSON.</summary>
public sealed class DataCommandTests(CmdNode node) : IClassFixture<CmdNode>
{
    [Fact]
    public async Task Kv_put_get_del_round_trip_and_a_miss_exits_2()
    {
        Expect.Ok(await node.RunAsync("kv", "put", "dc:kv", "hello world"), "OK\n");
        // Values are written byte for byte: no newline is added when stdout is not a terminal.
        Expect.Ok(await node.RunAsync("kv", "get", "dc:kv"), "hello world");
        Expect.Ok(await node.RunAsync("kv", "del", "dc:kv"), "1\n");
        Expect.Ok(await node.RunAsync("kv", "del", "dc:kv"), "0\n");
        Expect.Failed(await node.RunAsync("kv", "get", "dc:kv"), ExitCodes.NotFound, "no value at key 'dc:kv' in db 0");
    }

    [Fact]
    public async Task Kv_json_carries_key_db_value_and_content_type()
    {
        var put = Expect.Json(await node.RunAsync("kv", "put", "dc:kj", "{\"a\":1}", "--content-type", "application/json", "--db", "2", "-o", "json"));
        Assert.Equal("dc:kj", put.GetProperty("key").GetString());
        Assert.Equal(2, put.GetProperty("db").GetInt32());
        Assert.True(put.GetProperty("stored").GetBoolean());
        var get = Expect.Json(await node.RunAsync("kv", "--db", "2", "get", "dc:kj", "--output", "json"));
        Assert.Equal("{\"a\":1}", get.GetProperty("value").GetString());
        Assert.Equal("application/json", get.GetProperty("contentType").GetString());
        // Databases are apart: db 0 has no such key.
        Expect.Failed(await node.RunAsync("kv", "get", "dc:kj", "-o", "json"), ExitCodes.NotFound, "dc:kj");
        var del = Expect.Json(await node.RunAsync("kv", "del", "dc:kj", "--db", "2", "-o", "json"));
        Assert.True(del.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task Values_from_stdin_are_binary_safe_both_ways()
    {
        byte[] value = [0, 1, 2, 0xff, 0xfe, (byte)'\n', (byte)'\r', 0x80, 0];
        Expect.Ok(await node.RunWithStdinAsync(value, "kv", "put", "dc:bin", "-"), "OK\n");
        var get = await node.RunAsync("kv", "get", "dc:bin");
        Assert.Equal(0, get.ExitCode);
        Assert.Equal(value, get.StdOutBytes);
        // JSON cannot carry these bytes as a string: they come as base64.
        var json = Expect.Json(await node.RunAsync("kv", "get", "dc:bin", "-o", "json"));
        Assert.Equal(value, json.GetProperty("valueBase64").GetBytesFromBase64());
        Assert.False(json.TryGetProperty("value", out _));

        Expect.Ok(await node.RunWithStdinAsync(value, "cache", "set", "dc:cbin", "-", "--ttl", "1m"), "OK\n");
        Assert.Equal(value, (await node.RunAsync("cache", "get", "dc:cbin")).StdOutBytes);
    }

    [Fact]
    public async Task Cache_set_takes_a_ttl_and_get_misses_exit_2()
    {
        Expect.Ok(await node.RunAsync("cache", "set", "dc:c", "v", "--ttl", "90s"), "OK\n");
        long left = node.Node.Host.Engine.GetExpiresAt(0, "dc:c"u8) - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(left, 80_000, 90_000);
        Expect.Ok(await node.RunAsync("cache", "get", "dc:c"), "v");
        var json = Expect.Json(await node.RunAsync("cache", "get", "dc:c", "-o", "json"));
        Assert.Equal("v", json.GetProperty("value").GetString());
        var set = Expect.Json(await node.RunAsync("cache", "set", "dc:c2", "w", "--ttl", "500ms", "-o", "json"));
        Assert.Equal(500, set.GetProperty("ttlMs").GetInt64());
        Expect.Ok(await node.RunAsync("cache", "del", "dc:c"), "1\n");
        Expect.Failed(await node.RunAsync("cache", "get", "dc:c"), ExitCodes.NotFound, "no value at key 'dc:c'");
    }

    [Fact]
    public async Task Cache_set_without_a_ttl_gets_the_nodes_default()
    {
        Expect.Ok(await node.RunAsync("cache", "set", "dc:cd", "v"), "OK\n");
        long left = node.Node.Host.Engine.GetExpiresAt(0, "dc:cd"u8) - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(left, 1, 5_000);
        var json = Expect.Json(await node.RunAsync("cache", "set", "dc:cd", "v", "-o", "json"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("ttlMs").ValueKind);
    }

    [Fact]
    public async Task Counters_start_at_zero_and_take_negative_increments()
    {
        Expect.Ok(await node.RunAsync("counter", "get", "dc:n"), "0\n");
        Expect.Ok(await node.RunAsync("counter", "incr", "dc:n"), "1\n");
        Expect.Ok(await node.RunAsync("counter", "incr", "dc:n", "--by", "-5"), "-4\n");
        Expect.Ok(await node.RunAsync("counter", "get", "dc:n"), "-4\n");
        var json = Expect.Json(await node.RunAsync("counter", "incr", "dc:n", "--by", "10", "-o", "json"));
        Assert.Equal(6, json.GetProperty("value").GetInt64());
        Assert.Equal("dc:n", json.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Sets_add_remove_and_print_sorted_members()
    {
        Expect.Ok(await node.RunAsync("set", "get", "dc:s"), "");
        Expect.Ok(await node.RunAsync("set", "add", "dc:s", "pear", "apple", "fig"), "apple\nfig\npear\n");
        Expect.Ok(await node.RunAsync("set", "rm", "dc:s", "fig"), "apple\npear\n");
        Expect.Ok(await node.RunWithStdinAsync("kiwi\nlime\n\n"u8.ToArray(), "set", "add", "dc:s", "-"), "apple\nkiwi\nlime\npear\n");
        var json = Expect.Json(await node.RunAsync("set", "get", "dc:s", "-o", "json"));
        Assert.Equal(["apple", "kiwi", "lime", "pear"], json.GetProperty("items").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Expect.Failed(await node.RunAsync("set", "add", "dc:s"), ExitCodes.Usage, "Required argument missing");
    }

    [Fact]
    public async Task Flags_are_false_until_set_and_only_take_booleans()
    {
        Expect.Ok(await node.RunAsync("flag", "get", "dc:f"), "false\n");
        Expect.Ok(await node.RunAsync("flag", "set", "dc:f", "true"), "true\n");
        Expect.Ok(await node.RunAsync("flag", "get", "dc:f"), "true\n");
        Expect.Ok(await node.RunAsync("flag", "set", "dc:f", "0"), "false\n");
        var json = Expect.Json(await node.RunAsync("flag", "get", "dc:f", "-o", "json"));
        Assert.False(json.GetProperty("value").GetBoolean());
        Expect.Failed(await node.RunAsync("flag", "set", "dc:f", "maybe"), ExitCodes.Usage, "'maybe' is not a flag value");
    }

    [Fact]
    public async Task What_the_node_refuses_exits_3_with_its_reason()
    {
        Expect.Ok(await node.RunAsync("set", "add", "dc:wt", "x"), "x\n");
        Expect.Failed(await node.RunAsync("counter", "incr", "dc:wt"), ExitCodes.Refused, "WRONGTYPE");
        Expect.Failed(await node.RunAsync("kv", "get", "dc:wt", "-o", "json"), ExitCodes.Refused, "WRONGTYPE");
        Expect.Failed(await node.RunAsync("flag", "get", "dc:wt"), ExitCodes.Refused, "WRONGTYPE");
        Expect.Ok(await node.RunAsync("kv", "put", "dc:max", "9223372036854775807"), "OK\n");
        Expect.Failed(await node.RunAsync("counter", "incr", "dc:max"), ExitCodes.Refused, "overflow");
        Expect.Failed(await node.RunAsync("kv", "get", "dc:x", "--db", "99"), ExitCodes.Refused, "db");
    }

    [Fact]
    public async Task Usage_errors_exit_1_with_nothing_on_stdout()
    {
        Expect.Failed(await node.RunAsync("kv", "get"), ExitCodes.Usage, "Run 'purple kv get --help'");
        Expect.Failed(await node.RunAsync("kv", "fetch", "k"), ExitCodes.Usage, "fetch");
        Expect.Failed(await node.RunAsync("counter", "incr", "k", "--by", "many"), ExitCodes.Usage, "many");
        Expect.Failed(await node.RunAsync("kv", "get", "k", "--db", "-1"), ExitCodes.Usage, "--db");
        Expect.Failed(await node.RunAsync("kv", "get", "k", "--timeout", "soon"), ExitCodes.Usage, "'soon' is not a duration");
        Expect.Failed(await node.RunAsync("cache", "set", "k", "v", "--ttl", "0"), ExitCodes.Usage, "'0' is not a duration");
        Expect.Failed(await node.RunAsync("kv", "get", "k", "-o", "yaml"), ExitCodes.Usage, "yaml");
        Expect.Failed(await Cli.RunAsync("kv", "get", "k", "--endpoint", "http://"), ExitCodes.Usage, "is not an endpoint");
        Expect.Failed(await Cli.RunAsync(), ExitCodes.Usage, "Run 'purple --help'");
    }

    [Fact]
    public async Task Keys_and_values_that_look_like_options_or_files_are_taken_literally()
    {
        // "@x" is not a response file; "--" ends the options, so a value may start with a dash.
        Expect.Ok(await node.RunAsync("kv", "put", "@dc:at", "@value"), "OK\n");
        Expect.Ok(await node.RunAsync("kv", "get", "@dc:at"), "@value");
        Expect.Ok(await Cli.RunAsync("kv", "put", "--endpoint", node.Grpc, "--", "dc:dash", "--not-an-option"), "OK\n");
        Expect.Ok(await node.RunAsync("kv", "get", "dc:dash"), "--not-an-option");
    }

    [Fact]
    public async Task Help_goes_to_stdout_and_exits_0()
    {
        var help = await Cli.RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "serve", "kv", "cache", "counter", "set", "flag", "info" }) Assert.Contains(command, help.StdOut, StringComparison.Ordinal);
        var kv = await Cli.RunAsync("kv", "get", "--help");
        Assert.Equal(0, kv.ExitCode);
        Assert.Contains("--endpoint", kv.StdOut, StringComparison.Ordinal);
        Assert.Contains("PURPLE_ENDPOINT", kv.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_items_and_keys_in_other_scripts_survive_json()
    {
        var json = Expect.Json(await node.RunAsync("set", "add", "dc:ü", "ünïcødé", "日本", "-o", "json"));
        Assert.Equal("dc:ü", json.GetProperty("key").GetString());
        Assert.Equal(["ünïcødé", "日本"], json.GetProperty("items").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("日本", Encoding.UTF8.GetString((await node.RunAsync("set", "get", "dc:ü")).StdOutBytes), StringComparison.Ordinal);
    }
}
