namespace Purple.Protocols.Metrics;

/// <summary>
/// Why a protocol refused a request or connection, as the <c>reason</c> label of purple_rejected_total. Writes
/// refused for lack of memory are the engine's decision, counted once whatever the protocol (purple_writes_rejected_total).
/// </summary>
public enum RejectReason
{
    /// <summary>A malformed frame or line; the connection is closed (RESP, memcached) or the request refused.</summary>
    ProtocolError,
    /// <summary>A value, body or message over its limit.</summary>
    TooLarge,
    /// <summary>A request without the password (--requirepass), or with a wrong one.</summary>
    Unauthenticated,
    /// <summary>A connection over the listener's --maxclients, closed at once.</summary>
    MaxConnections,
    /// <summary>A connection with no request for --idle-timeout, closed.</summary>
    IdleTimeout,
    /// <summary>A client that stopped reading its replies for --output-stall-timeout, disconnected.</summary>
    SlowConsumer,
}

/// <summary>One protocol's figures: its commands, its connections and its refusals.</summary>
public sealed class ProtocolMetrics
{
    private long _connectionsOpen;
    private long _connectionsTotal;
    private readonly long[] _rejected = new long[Enum.GetValues<RejectReason>().Length];

    public ProtocolMetrics(string protocol, int commandCapacity, IEnumerable<string>? knownCommands = null)
    {
        Protocol = protocol;
        Commands = new CommandMetrics(protocol, commandCapacity, knownCommands);
    }

    public string Protocol { get; }

    public CommandMetrics Commands { get; }

    public long ConnectionsOpen => Interlocked.Read(ref _connectionsOpen);

    public long ConnectionsTotal => Interlocked.Read(ref _connectionsTotal);

    /// <summary>Admits a connection unless <paramref name="max"/> are already open (counted as a refusal then).</summary>
    public bool TryOpen(int max)
    {
        if (Interlocked.Increment(ref _connectionsOpen) > max)
        {
            Interlocked.Decrement(ref _connectionsOpen);
            Rejected(RejectReason.MaxConnections);
            return false;
        }
        Interlocked.Increment(ref _connectionsTotal);
        return true;
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    public void Rejected(RejectReason reason) => Interlocked.Increment(ref _rejected[(int)reason]);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _rejectedByServer = new(StringComparer.Ordinal);

    /// <summary>A refusal the server (Kestrel) made before Purple's code saw the request, under the server's own reason name.</summary>
    public void RejectedByServer(string reason) => _rejectedByServer.AddOrUpdate(reason, 1, (_, n) => n + 1);

    /// <summary>The server's refusals so far, by its reason name.</summary>
    public IEnumerable<KeyValuePair<string, long>> ServerRejections => _rejectedByServer;

    public long RejectedCount(RejectReason reason) => Interlocked.Read(ref _rejected[(int)reason]);
}

/// <summary>The node's per-protocol metrics, one instance per node, handed to every listener.</summary>
public sealed class NodeMetrics
{
    public ProtocolMetrics Resp { get; } = Protocols.Resp.RespServerContext.NewMetrics();
    public ProtocolMetrics Memcached { get; } = Protocols.Memcached.MemcachedServerContext.NewMetrics();
    public ProtocolMetrics Http { get; } = new("http", 64);
    public ProtocolMetrics Grpc { get; } = new("grpc", 128);

    public IEnumerable<ProtocolMetrics> All => [Resp, Memcached, Http, Grpc];
}
