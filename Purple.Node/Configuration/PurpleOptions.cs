namespace Purple.Node.Configuration;

/// <summary>
/// Everything the node can be told, bound from (lowest to highest precedence) the JSON file given with
/// <c>--config</c>, environment variables <c>PURPLE__&lt;Name&gt;</c>, and command-line flags.
/// <c>purple.sample.json</c> documents each one; <see cref="OptionsValidator"/> checks them at startup.
/// </summary>
public sealed class PurpleOptions
{
    /// <summary>Address every listener binds. Loopback by default: nothing is exposed unless asked.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>RESP (Redis protocol) port; 0 switches the listener off.</summary>
    public int RespPort { get; set; } = 6379;

    /// <summary>memcached text protocol port; 0 switches the listener off.</summary>
    public int MemcachedPort { get; set; } = 11211;

    /// <summary>HTTP/JSON port (also /healthz, /readyz); 0 switches the listener off.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>gRPC (h2c) port; 0 switches the listener off.</summary>
    public int GrpcPort { get; set; } = 8081;

    /// <summary>Memory budget for data, e.g. "512MB", "2G". Empty: half of the memory available to the process.</summary>
    public string? Capacity { get; set; }

    /// <summary>lru, lfu, weak or none.</summary>
    public string Eviction { get; set; } = "lru";

    /// <summary>volatile (only keys with a TTL may be evicted) or all (a pure cache).</summary>
    public string EvictionScope { get; set; } = "volatile";

    /// <summary>Number of numbered databases (SELECT 0..N-1).</summary>
    public int Databases { get; set; } = Purple.Core.Limits.DefaultDatabases;

    /// <summary>Number of engine shards (a power of two). More shards, less lock contention.</summary>
    public int Shards { get; set; } = 16;

    /// <summary>"yes" refuses to bind a non-loopback address unless a password is configured.</summary>
    public string ProtectedMode { get; set; } = "yes";

    /// <summary>The password every protocol requires (Redis's requirepass); empty for none. Prefer RequirepassFile or the environment.</summary>
    public string? Requirepass { get; set; }

    /// <summary>Most client connections per listener (Redis's maxclients); one more is refused in its protocol's terms.</summary>
    public int MaxClients { get; set; } = 10_000;

    /// <summary>Close RESP and memcached clients that send nothing for this long (Redis's timeout); "0" never.</summary>
    public string IdleTimeout { get; set; } = "0";

    /// <summary>Disconnect a client that has not read its replies for this long, so it cannot hold memory; "0" never.</summary>
    public string OutputStallTimeout { get; set; } = "60s";

    /// <summary>PEM certificate (optionally followed by its intermediates) for TLS on the listeners.</summary>
    public string? TlsCert { get; set; }

    /// <summary>PEM private key of <see cref="TlsCert"/>.</summary>
    public string? TlsKey { get; set; }

    /// <summary>PEM CA certificate(s): when set, clients must present a certificate that chains to one (mutual TLS).</summary>
    public string? TlsCa { get; set; }

    /// <summary>Per-listener TLS switches ("yes"/"no"), effective when a certificate is configured.</summary>
    public string TlsResp { get; set; } = "yes";
    public string TlsMemcached { get; set; } = "yes";
    public string TlsHttp { get; set; } = "yes";
    public string TlsGrpc { get; set; } = "yes";

    /// <summary>A file whose first line is the password, so it stays out of the command line and the config file.</summary>
    public string? RequirepassFile { get; set; }

    /// <summary>Largest RESP bulk string accepted (Redis's proto-max-bulk-len), e.g. "512MB".</summary>
    public string ProtoMaxBulkLen { get; set; } = "512MB";

    /// <summary>Largest value a memcached store may carry (memcached's -I), e.g. "1MB"; bigger ones get "SERVER_ERROR object too large for cache".</summary>
    public string MemcachedMaxItemSize { get; set; } = "1MB";

    /// <summary>TTL of an HTTP/gRPC cache entry written without one (DESIGN §3), e.g. "5s", "500ms", "2m".</summary>
    public string CacheDefaultTtl { get; set; } = "5s";

    /// <summary>Storage mode: "memory" (nothing kept across restarts), "sqlite" (alias "disk"): journal and snapshots under <see cref="DataDir"/>, or "postgres": the same in PostgreSQL (docs/storage.md).</summary>
    public string Storage { get; set; } = "memory";

    /// <summary>--storage redis: the Redis to front, redis://[user:password@]host:port[/db] (db = the Redis database Purple's 0 maps to).</summary>
    public string? Redis { get; set; }

    /// <summary>--storage redis: how long a call may wait for Redis before the client gets an "unavailable" error.</summary>
    public string RedisTimeout { get; set; } = "5s";

    /// <summary>Where durable storage keeps its files (created if missing).</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>"always", "everysec" or "no": when the journal is forced to disk (Redis's appendfsync).</summary>
    public string Fsync { get; set; } = "everysec";

    /// <summary>A snapshot is taken once the journal has grown this much since the last one (or by the last snapshot's size, if larger).</summary>
    public string SnapshotMinJournal { get; set; } = "64MB";

    /// <summary>--storage postgres: an Npgsql connection string ("Host=…;Port=5432;Username=…;Database=…") or a postgres:// URL. Prefer PURPLE__POSTGRES or a config file when it holds a password.</summary>
    public string? Postgres { get; set; }

    /// <summary>The PostgreSQL schema holding the journal and snapshots (created if missing); one node per schema.</summary>
    public string PostgresSchema { get; set; } = "purple";

    /// <summary>A file whose first line is the PostgreSQL password, for a connection string without one (PGPASSWORD and ~/.pgpass also work).</summary>
    public string? PostgresPasswordFile { get; set; }

    /// <summary>
    /// "yes" runs protocol code on the I/O thread that received the bytes (the epoll transport's loop, or with
    /// --transport sockets Kestrel's UnsafePreferInlineScheduling plus inline socket completions) instead of
    /// handing each read to the thread pool. Measured faster on
    /// small machines (docs/performance.md); safe because no handler blocks.
    /// </summary>
    public string InlineIo { get; set; } = "yes";

    /// <summary>
    /// "epoll" serves every listener from Purple's own epoll loops (Linux only); "sockets" from Kestrel's socket
    /// transport; "auto" is epoll on Linux and sockets elsewhere. Measured in docs/performance.md, "The epoll transport".
    /// </summary>
    public string Transport { get; set; } = "auto";

    /// <summary>I/O threads of the epoll transport; 0 means three quarters of the cores (at least one), or one with --storage sqlite --fsync always.</summary>
    public int IoThreads { get; set; }

    /// <summary>
    /// How long an epoll loop may poll for more work before it sleeps: "auto" (50us, or off when the process runs
    /// under a CPU quota), "off", or microseconds such as "50us" (at most 1000us). Polling is adaptive and paid for by
    /// work (docs/performance.md, "Polling before sleeping").
    /// </summary>
    public string IoPoll { get; set; } = "auto";

    /// <summary>
    /// "yes" compacts and decommits the GC heap once the process goes idle after heavy allocation, as
    /// Redis's activedefrag does for its allocator (docs/engine.md, "Active defrag"): ~40 bytes per key of
    /// RSS after a bulk load, for a blocking pause of ~2.5 ms per MB of live heap while idle.
    /// </summary>
    public string ActiveDefrag { get; set; } = "yes";

    /// <summary>"text" (one line per event) or "json" (one JSON object per event).</summary>
    public string LogFormat { get; set; } = "text";
}
