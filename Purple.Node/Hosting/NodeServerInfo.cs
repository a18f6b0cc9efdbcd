using System.Reflection;
using System.Security.Cryptography;
using Purple.Protocols.Resp;

namespace Purple.Node.Hosting;

/// <summary>Facts about this process that INFO and HELLO report.</summary>
internal sealed class NodeServerInfo : IRespServerInfo
{
    public NodeServerInfo(TimeProvider time, string? configFile)
    {
        StartedAt = time.GetUtcNow();
        ConfigFile = configFile is null ? "" : Path.GetFullPath(configFile);
        RunId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
    }

    public static string ProductVersion { get; } =
        typeof(NodeServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public string Version => ProductVersion;
    public int TcpPort { get; set; }
    public string RunId { get; }
    public DateTimeOffset StartedAt { get; }
    public string ConfigFile { get; }
}
