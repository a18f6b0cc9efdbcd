using Purple.Core.Execution;

namespace Purple.Protocols.Resp;

/// <summary>What the node tells the RESP layer about itself (INFO server, HELLO, CONFIG).</summary>
public interface IRespServerInfo
{
    string Version { get; }
    int TcpPort { get; }
    string RunId { get; }
    DateTimeOffset StartedAt { get; }
    string ConfigFile { get; }
}

/// <summary>
/// Run-time configuration parameters for CONFIG GET/SET. Names are Redis's where Redis has the same
/// knob (maxmemory, maxmemory-policy, databases); only parameters Purple really has are listed.
/// </summary>
public interface IRuntimeConfig
{
    IEnumerable<string> Names { get; }

    bool TryGet(string name, out string value);

    /// <summary>Applies a value; returns null on success or the reason it was refused.</summary>
    string? TrySet(string name, string value);
}

/// <summary>Everything a RESP connection needs from the process. One per node, shared by all connections.</summary>
public sealed class RespServerContext
{
    public RespServerContext(IDataStore store, IRespServerInfo info, IRuntimeConfig config, TimeProvider time, RespLimits limits)
    {
        Store = store;
        Info = info;
        Config = config;
        Time = time;
        Limits = limits;
    }

    public IDataStore Store { get; }
    public IRespServerInfo Info { get; }
    public IRuntimeConfig Config { get; }
    public TimeProvider Time { get; }
    public RespLimits Limits { get; }
    public RespClientRegistry Clients { get; } = new();

    /// <summary>What replies wait on with durable storage (docs/storage.md); null in memory mode.</summary>
    public IDurabilityBarrier? Durability { get; init; }

    /// <summary>SAVE, BGSAVE, LASTSAVE and INFO persistence.</summary>
    public IPersistence Persistence { get; init; } = new MemoryOnlyPersistence(DateTimeOffset.UtcNow);

    /// <summary>The password every connection must give (AUTH, HELLO … AUTH) before other commands; none by default.</summary>
    public Security.PasswordGuard Auth { get; init; } = Security.PasswordGuard.None;

    /// <summary>Commands, latency, connections and refusals of this listener (the node's, for /metrics).</summary>
    public Metrics.ProtocolMetrics Metrics { get; init; } = NewMetrics();

    public static Metrics.ProtocolMetrics NewMetrics() =>
        new("resp", RespCommandTable.Count, RespCommandTable.All.Select(s => s.Name));

    internal long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();
}
