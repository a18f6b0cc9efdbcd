using System.Net;

namespace Purple.Cmd.Bench;

/// <summary>What one `purple bench` run does; options named as redis-benchmark's where they mean the same.</summary>
internal sealed record BenchSettings(
    string Host,
    int Port,
    int Clients,
    long Requests,
    TimeSpan? Duration,
    int Pipeline,
    int DataSize,
    long Keyspace,
    IReadOnlyList<string> Tests,
    int Db,
    TimeSpan Timeout,
    string? Password = null)
{
    public EndPoint EndPoint => IPAddress.TryParse(Host, out var address) ? new IPEndPoint(address, Port) : new DnsEndPoint(Host, Port);

    public string Target => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>A run that could not finish: the exit code and what to tell the user.</summary>
internal sealed class BenchFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
