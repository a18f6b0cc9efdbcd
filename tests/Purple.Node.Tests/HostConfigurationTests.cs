using Microsoft.Extensions.Configuration;

namespace Purple.Node.Tests;

/// <summary>
/// The web host inside a node reads no configuration file of its own from the working directory and watches none:
/// Purple's configuration is its flags, PURPLE__ variables and --config. A reloading appsettings.json source put a
/// recursive inotify watch on the working directory, which the default ./data journal woke on every write.
/// (That the working directory's appsettings.json and Kestrel__ variables open no listener is checked end to end
/// by tests/interop/cli.sh, from a directory of its own: this process's working directory is its own base directory.)
/// </summary>
public sealed class HostConfigurationTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    private List<FileConfigurationProvider> FileProviders() =>
        ((IConfigurationRoot)node.Host.HostConfiguration).Providers.OfType<FileConfigurationProvider>().ToList();

    [Fact]
    public void No_configuration_file_is_watched_for_changes()
    {
        Assert.All(FileProviders(), p => Assert.False(p.Source.ReloadOnChange, $"{p.Source.Path} reloads on change"));
    }
}
