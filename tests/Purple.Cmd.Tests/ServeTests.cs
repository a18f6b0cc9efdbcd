namespace Purple.Cmd.Tests;

/// <summary>
/// purple serve is purple-node: its flags reach the server untouched and its exit codes are the server's.
/// (A serving node is driven for real in tests/interop/cli.sh; here, the paths that end without serving.)
/// </summary>
public sealed class ServeTests
{
    [Fact]
    public async Task Invalid_server_flags_exit_with_the_servers_configuration_error()
    {
        var result = await Cli.RunAsync("serve", "--resp-port", "70000", "--http-port", "0", "--grpc-port", "0", "--memcached-port", "0");
        Assert.Equal(Node.Program.ExitBadConfiguration, result.ExitCode);
        // Not parsed by the CLI: nothing of System.CommandLine's own usage errors.
        Assert.DoesNotContain("Run 'purple", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_only_flags_like_version_are_the_servers()
    {
        var result = await Cli.RunAsync("serve", "--version");
        Assert.Equal(Node.Program.ExitOk, result.ExitCode);
        var unknown = await Cli.RunAsync("serve", "--no-such-flag", "1", "--resp-port", "0", "--http-port", "0", "--grpc-port", "0", "--memcached-port", "0");
        Assert.Equal(Node.Program.ExitBadConfiguration, unknown.ExitCode);
    }
}
