using System.Net;
using System.Net.Sockets;

namespace Purple.Node.Tests;

/// <summary>The process entry point as a script sees it: exit codes for bad configuration and taken ports.</summary>
public class StartupFailureTests
{
    [Fact]
    public async Task Invalid_configuration_exits_2_without_starting()
    {
        Assert.Equal(Program.ExitBadConfiguration, await Program.Main(["--capacity", "lots", "--resp-port", "0", "--http-port", "0"]));
    }

    [Fact]
    public async Task A_taken_port_exits_1()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var run = Program.Main(["--resp-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--http-port", "0", "--memcached-port", "0", "--grpc-port", "0", "--capacity", "16MB"]);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(run, finished);
        Assert.Equal(Program.ExitStartupFailure, await run);
    }
}
