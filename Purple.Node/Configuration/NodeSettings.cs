using System.Net;
using Purple.Actors;

namespace Purple.Node.Configuration;

/// <summary>Validated, typed settings the node runs with (made from <see cref="PurpleOptions"/> by <see cref="OptionsValidator"/>).</summary>
public sealed record NodeSettings(
    IPAddress Address,
    int RespPort,
    int MemcachedPort,
    int HttpPort,
    int GrpcPort,
    long CapacityBytes,
    string CapacitySource,
    EvictionPolicy Eviction,
    EvictionScope Scope,
    int Databases,
    int Shards,
    long ProtoMaxBulkLen,
    bool JsonLogs,
    bool InlineIo,
    string? ConfigFile,
    bool ActiveDefrag = true,
    int MemcachedMaxItemSize = 1024 * 1024,
    TimeSpan CacheDefaultTtl = default)
{
    /// <summary>The password every protocol requires (--requirepass); holds only a digest, so printing settings shows no secret.</summary>
    public Purple.Protocols.Security.PasswordGuard Auth { get; init; } = Purple.Protocols.Security.PasswordGuard.None;

    public bool ProtectedMode { get; init; } = true;

    /// <summary>Most connections per listener (--maxclients).</summary>
    public int MaxClients { get; init; } = 10_000;

    /// <summary>
    /// Connections open at once over every listener; null: what the open-file limit leaves (<see cref="Hosting.DescriptorBudget"/>),
    /// read when the node starts. Set by tests; users raise `ulimit -n` instead.
    /// </summary>
    public int? TotalConnectionLimit { get; init; }

    /// <summary>What serves the listeners' sockets (--transport).</summary>
    public NodeTransport Transport { get; init; } = DefaultTransport;

    /// <summary>--transport auto: epoll where the platform has it (Linux), Kestrel's socket transport elsewhere.</summary>
    public static NodeTransport DefaultTransport => Purple.Node.Transport.EpollNative.IsSupported ? NodeTransport.Epoll : NodeTransport.Sockets;

    /// <summary>The epoll transport's I/O threads (--io-threads; <see cref="DefaultIoThreads"/> unless set).</summary>
    public int IoThreads { get; init; } = DefaultIoThreads;

    /// <summary>
    /// Three quarters of the cores, at least one — Redis's advice for its io-threads (2–3 of 4 cores, 6 of 8): the rest
    /// is left to the GC, the journal, timers and whatever shares the machine. On 2 cores that is one loop, which spent
    /// less CPU per request than two on every row and kept p99 near Redis's (docs/performance.md).
    /// </summary>
    public static int DefaultIoThreads => Math.Max(1, Environment.ProcessorCount * 3 / 4);

    /// <summary>The longest an epoll loop polls before it sleeps, in µs (--io-poll); zero: never.</summary>
    public int IoPollMicros { get; init; } = DefaultIoPollMicros;

    /// <summary>--io-poll auto: 50 µs, or nothing under a CPU quota, where polling would spend the quota and get the process throttled.</summary>
    public static int DefaultIoPollMicros => Hosting.CpuQuota.IsLimited() ? 0 : 50;

    /// <summary>RESP and memcached clients silent this long are closed; zero never (--idle-timeout).</summary>
    public TimeSpan IdleTimeout { get; init; }

    /// <summary>A client that has not read its replies this long is disconnected; zero never (--output-stall-timeout).</summary>
    public TimeSpan OutputStallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>TLS material and which listeners use it; null when no certificate is configured.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>--storage redis: the Redis every operation goes to; null otherwise.</summary>
    public RedisSettings? Redis { get; init; }

    /// <summary>Durable storage (--storage sqlite or postgres); null for memory and redis.</summary>
    public StorageSettings? Storage { get; init; }

    /// <summary>DESIGN §3: 5 s unless configured.</summary>
    public TimeSpan CacheDefaultTtl { get; init; } = CacheDefaultTtl == default ? TimeSpan.FromSeconds(5) : CacheDefaultTtl;
}

/// <summary>--transport: Purple's epoll loops (Linux only) or Kestrel's socket transport.</summary>
public enum NodeTransport
{
    Sockets,
    Epoll,
}

/// <summary>--tls-cert/--tls-key (PEM), the optional client CA (--tls-ca), and the per-listener switches.</summary>
public sealed record TlsSettings(string CertPath, string KeyPath, string? CaPath, bool Resp, bool Memcached, bool Http, bool Grpc);

/// <summary>
/// --storage sqlite or postgres: where (--data-dir, or <see cref="Postgres"/> when set), how often the journal is forced
/// to disk (--fsync), and when snapshots are taken.
/// </summary>
public sealed record StorageSettings(string DataDir, Purple.Storage.FsyncMode Fsync, long SnapshotMinJournalBytes)
{
    /// <summary>--storage postgres: the server and schema; null for sqlite.</summary>
    public PostgresSettings? Postgres { get; init; }

    /// <summary>"sqlite" or "postgres", as INFO and the startup log name it.</summary>
    public string Mode => Postgres is null ? "sqlite" : "postgres";
}

/// <summary>
/// --postgres (resolved to an Npgsql connection string, password included when one was given) and --postgres-schema.
/// Printing it shows only <see cref="Location"/>: host, port, database and schema.
/// </summary>
public sealed record PostgresSettings(string ConnectionString, string Schema)
{
    public string Location => Purple.Storage.PostgresJournalBackend.Describe(new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString), Schema);

    public override string ToString() => Location;
}

/// <summary>
/// --storage redis: where Redis is (--redis: one address, or several nodes of a Redis Cluster) and how long a call may
/// wait for it (--redis-timeout).
/// </summary>
public sealed record RedisSettings(IReadOnlyList<Purple.Storage.Redis.RedisEndpoint> Endpoints, TimeSpan Timeout)
{
    public Purple.Storage.Redis.RedisEndpoint Endpoint => Endpoints[0];

    /// <summary>Several addresses name a cluster's nodes; one address is a cluster only if it says so at startup.</summary>
    public bool NamesCluster => Endpoints.Count > 1;
}
