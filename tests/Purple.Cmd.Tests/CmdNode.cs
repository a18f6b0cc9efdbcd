using Purple.Node.Tests;

namespace Purple.Cmd.Tests;

/// <summary>A real node on free ports for a test class, with the endpoints the CLI is given.</summary>
public sealed class CmdNode : IAsyncLifetime
{
    private readonly NodeFixture _node = new();

    public NodeFixture Node => _node;

    public string Grpc => $"http://{_node.Grpc}";

    public string Http => $"http://{_node.Http}";

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    /// <summary>`purple ARGS… --endpoint GRPC`.</summary>
    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync([.. args, "--endpoint", Grpc]);

    public Task<CliResult> RunWithStdinAsync(byte[] stdin, params string[] args) => Cli.RunAsync([.. args, "--endpoint", Grpc], stdin);
}
