using Purple.Cmd.Common;

namespace Purple.Cmd.Tests;

/// <summary>Which node a data command talks to, and what it says when it cannot.</summary>
public sealed class ConnectionTests(CmdNode node) : IClassFixture<CmdNode>
{
    [Fact]
    public async Task The_endpoint_comes_from_PURPLE_ENDPOINT_when_not_given()
    {
        var env = new Dictionary<string, string> { ["PURPLE_ENDPOINT"] = node.Grpc };
        Expect.Ok(await Cli.RunAsync(["counter", "incr", "cn:env"], environment: env), "1\n");
        // A bare host:port is taken as http://host:port.
        Expect.Ok(await Cli.RunAsync(["counter", "get", "cn:env"], environment: new Dictionary<string, string> { ["PURPLE_ENDPOINT"] = node.Node.Grpc.ToString() }), "1\n");
        // --endpoint wins over the environment.
        var unreachable = await Cli.RunAsync(["counter", "get", "cn:env", "--endpoint", "http://127.0.0.1:1"], environment: env);
        Expect.Failed(unreachable, ExitCodes.Unavailable, "cannot reach the node at http://127.0.0.1:1/");
        Expect.Failed(await Cli.RunAsync(["counter", "get", "cn:env"], environment: new Dictionary<string, string> { ["PURPLE_ENDPOINT"] = "::nonsense::" }),
            ExitCodes.Usage, "PURPLE_ENDPOINT");
    }

    [Fact]
    public async Task Without_endpoint_or_environment_the_default_is_loopback_8081()
    {
        var help = await Cli.RunAsync("counter", "get", "--help");
        Assert.Contains("http://127.0.0.1:8081", help.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_node_exits_4_for_every_command()
    {
        string[][] commands =
        [
            ["kv", "get", "k"], ["kv", "put", "k", "v"], ["kv", "del", "k"], ["cache", "get", "k"], ["cache", "set", "k", "v"],
            ["counter", "get", "k"], ["counter", "incr", "k"], ["set", "get", "k"], ["set", "add", "k", "a"], ["set", "rm", "k", "a"],
            ["flag", "get", "k"], ["flag", "set", "k", "true"],
        ];
        foreach (var command in commands)
        {
            Expect.Failed(await Cli.RunAsync([.. command, "--endpoint", "http://127.0.0.1:1", "-o", "json"]), ExitCodes.Unavailable, "cannot reach the node");
        }
    }

    [Fact]
    public async Task A_node_that_never_answers_exits_4_after_the_timeout()
    {
        // Accepts connections and reads nothing: the HTTP/2 call can only time out.
        await using var silent = TestServer.Silent();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await Cli.RunAsync("kv", "get", "k", "--endpoint", silent.Url, "--timeout", "300ms");
        Expect.Failed(result, ExitCodes.Unavailable, "within 300ms (--timeout)");
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));
    }
}
