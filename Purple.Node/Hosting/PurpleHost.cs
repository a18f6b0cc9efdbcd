using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Purple.Actors;
using Purple.Core.Execution;
using Purple.Node.Configuration;
using Purple.Protocols.Grpc;
using Purple.Protocols.Http;
using Purple.Protocols.Memcached;
using Purple.Protocols.Resp;
using Purple.Node.Metrics;
using Purple.Protocols.Metrics;

namespace Purple.Node.Hosting;

/// <summary>
/// One Purple node: the engine plus every listener on one Kestrel (RESP beside HTTP via
/// <c>UseConnectionHandler</c>). Tests create it with <see cref="AnyFreePort"/> ports and read the
/// bound ones from <see cref="RespEndPoint"/> and <see cref="HttpEndPoint"/> once started.
/// </summary>
public sealed class PurpleHost : IAsyncDisposable
{
    /// <summary>A port value (tests only) meaning "any free port"; users switch a listener off with 0.</summary>
    public const int AnyFreePort = -1;

    private readonly WebApplication _app;
    private ListenOptions? _resp;
    private ListenOptions? _http;
    private ListenOptions? _memcached;
    private ListenOptions? _grpc;
    private volatile int _grpcPort = -1;
    private readonly MemcachedServerContext _memcachedContext;
    private readonly PurpleInstruments _instruments;
    private readonly PrometheusExporter _exporter;
    private readonly ConnectionTracker _connections;
    private readonly TlsCertificates? _tls;
    private readonly KestrelRefusals _kestrelRefusals;
    private volatile bool _ready;
    private readonly NodeStorage? _storage;
    private readonly Purple.Storage.Redis.RedisDataStore? _redis;

    /// <summary>The external Redis every operation goes to (--storage redis); null otherwise.</summary>
    public Purple.Storage.Redis.RedisDataStore? Redis => _redis;

    /// <summary>Durable storage when --storage sqlite or postgres; null in memory mode.</summary>
    public NodeStorage? Storage => _storage;

    private Purple.Core.Execution.IDurabilityBarrier? Durability => _storage?.Storage.Journal;

    // Recovery logs before the host's own logging exists; it uses the same format.
    private readonly ILoggerFactory? _storageLogging;
    // Replays the data while the web host is built (about a third of a second of a start); awaited before any listener opens.
    private readonly Task? _recovery;

    /// <summary>The web host's configuration, for tests that check what it reads.</summary>
    internal IConfiguration HostConfiguration => _app.Configuration;

    /// <summary>
    /// The store, the engine and a recovery already running, made before the web host. Recovery needs the journal
    /// before the engine exists (the engine records into it) and the engine before it runs (it replays into it).
    /// </summary>
    private sealed class StoreStart
    {
        public NodeStorage? Storage { get; private init; }
        public ILoggerFactory? Logging { get; private init; }
        public required PurpleEngine Engine { get; init; }
        public Task? Recovery { get; private init; }

        public static StoreStart Begin(NodeSettings settings, Action<ILoggingBuilder>? configureLogging)
        {
            NodeStorage? storage = null;
            ILoggerFactory? logging = null;
            if (settings.Storage is { } storageSettings)
            {
                logging = LoggerFactory.Create(b => AddConsole(b, settings, configureLogging));
                try
                {
                    storage = NodeStorage.Open(storageSettings, logging.CreateLogger("Purple.Storage"));
                }
                catch
                {
                    logging.Dispose();
                    throw;
                }
            }
            var engine = new PurpleEngine(new EngineOptions
            {
                Journal = storage?.Storage.Journal,
                InitialCas = storage is null ? 0 : NodeStorage.InitialCas(TimeProvider.System),
                Databases = settings.Databases,
                CapacityBytes = settings.CapacityBytes,
                Eviction = settings.Eviction,
                Scope = settings.Scope,
                Shards = settings.Shards,
                ActiveDefrag = settings.ActiveDefrag,
            });
            var recovery = storage is null ? null : Task.Factory.StartNew(() =>
                {
                    using var hugePages = RecoveryHugePages.Start();
                    return storage.Storage.Recover(engine, engine.Databases);
                },
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            return new StoreStart { Storage = storage, Logging = logging, Engine = engine, Recovery = recovery };
        }

        /// <summary>The host could not be built: let recovery finish (it holds the store), then release everything.</summary>
        public async Task AbandonAsync()
        {
            if (Recovery is not null) await Recovery.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (Storage is not null) await Storage.DisposeAsync().ConfigureAwait(false);
            await Engine.DisposeAsync().ConfigureAwait(false);
            Logging?.Dispose();
        }
    }

    /// <summary>The node's log format (or the test's own providers), for the host and for recovery's early logger alike.</summary>
    private static void AddConsole(ILoggingBuilder logging, NodeSettings settings, Action<ILoggingBuilder>? configureLogging)
    {
        if (configureLogging is not null) configureLogging(logging);
        else if (settings.JsonLogs) logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        else logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
    }

    private PurpleHost(NodeSettings settings, Action<ILoggingBuilder>? configureLogging, StoreStart start)
    {
        Settings = settings;
        _storage = start.Storage;
        _storageLogging = start.Logging;
        _recovery = start.Recovery;
        Engine = start.Engine;
        // Purple reads its own configuration (flags, PURPLE__ variables, --config). The host's default appsettings.json
        // from the working directory is not Purple's: left as it was, it was looked for in the working directory under a
        // recursive file watch (an inotify watch on every subdirectory, woken by every journal write under the default
        // ./data), and a stray one could have added Kestrel endpoints behind the node's back.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        AddConsole(builder.Logging, settings, configureLogging);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // A failed start is reported once, by Program, with what to change; not as a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

        if (settings.Redis is { } redis)
        {
            // Every call blocks its thread until Redis answers; enough pool threads keep blocked callers from starving
            // the ones whose replies have arrived.
            ThreadPool.GetMinThreads(out int workers, out int io);
            ThreadPool.SetMinThreads(Math.Max(workers, 128), io);
            _redis = OpenRedis(redis, settings.Databases);
        }
        IDataStore store = (IDataStore?)_redis ?? Engine;
        var info = new NodeServerInfo(TimeProvider.System, settings.ConfigFile);
        var metrics = Metrics = new NodeMetrics();
        ConnectionBudget = settings.TotalConnectionLimit ?? DescriptorBudget.ConnectionLimit();
        _connections = new ConnectionTracker(settings.IdleTimeout, settings.OutputStallTimeout, ConnectionBudget ?? int.MaxValue);
        if (settings.Tls is { } tls) _tls = new TlsCertificates(tls);
        _instruments = new PurpleInstruments(store, metrics, NodeServerInfo.ProductVersion, TimeProvider.System);
        if (_storage is not null) StorageInstruments.Register(_instruments.Meter, _storage.Storage);
        if (_redis is not null) StorageInstruments.Register(_instruments.Meter, _redis);
        _exporter = new PrometheusExporter(metrics, _instruments);
        var resp = new RespServerContext(store, info, new NodeRuntimeConfig(Engine, settings, _redis), TimeProvider.System,
            new RespLimits { MaxBulkLength = settings.ProtoMaxBulkLen })
        {
            Metrics = metrics.Resp, Auth = settings.Auth, Durability = Durability,
            Persistence = (IPersistence?)_storage ?? new MemoryOnlyPersistence(info.StartedAt),
        };
        builder.Services.AddSingleton(resp);
        var memcached = _memcachedContext = new MemcachedServerContext(store, TimeProvider.System,
            new MemcachedLimits { MaxItemSize = settings.MemcachedMaxItemSize }, NodeServerInfo.ProductVersion)
        {
            Metrics = metrics.Memcached, Auth = settings.Auth, Durability = Durability, MaxConnections = settings.MaxClients,
        };
        builder.Services.AddSingleton(memcached);
        var httpApi = new HttpApiContext(store, TimeProvider.System, settings.CacheDefaultTtl, settings.ProtoMaxBulkLen)
        {
            Durability = Durability, StoreMayFail = _redis is not null,
        };
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Purple";
            document.Info.Version = NodeServerInfo.ProductVersion;
            document.Info.Description = "Cache, key/value, counters, sets and flags over HTTP/JSON, on the same data as RESP and memcached.";
            return Task.CompletedTask;
        }).AddOperationTransformer(OpenApiQueryParameters.Apply));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        // The read buffer is bounded so a pipelining client cannot park its whole stream in memory; a frame larger
        // than this moves to the handler's spill buffer, so the transport never waits on an incomplete frame.
        // Connections over the budget are accepted to be refused; a bounded number of those may be open at once
        // (BoundedListenerFactory), whichever transport serves the sockets.
        int? maxOpenSockets = ConnectionBudget is int budget ? budget + DescriptorBudget.RefusalsInFlight : null;
        if (settings.Transport == NodeTransport.Epoll)
        {
            // Made (and disposed, stopping its threads) by the app's container, as Kestrel's own transport is.
            builder.Services.RemoveAll<IConnectionListenerFactory>();
            builder.Services.AddSingleton(sp => new Purple.Node.Transport.EpollTransport(settings.IoThreads,
                settings.InlineIo, RespConnectionHandler.TransportReadBufferBytes, sp.GetRequiredService<ILoggerFactory>(),
                settings.IoPollMicros));
            builder.Services.AddSingleton<IConnectionListenerFactory>(sp => Bounded(sp.GetRequiredService<Purple.Node.Transport.EpollTransport>()));
        }
        else
        {
            builder.WebHost.UseSockets(o =>
            {
                o.MaxReadBufferSize = RespConnectionHandler.TransportReadBufferBytes;
                o.UnsafePreferInlineScheduling = settings.InlineIo;
            });
            if (maxOpenSockets is not null)
            {
                builder.Services.RemoveAll<IConnectionListenerFactory>();
                builder.Services.AddSingleton<IConnectionListenerFactory>(sp => Bounded(
                    new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportFactory(
                        sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>>(),
                        sp.GetRequiredService<ILoggerFactory>())));
            }
        }

        IConnectionListenerFactory Bounded(IConnectionListenerFactory transport) => maxOpenSockets is int max
            ? new Purple.Node.Transport.BoundedListenerFactory(transport, max)
            : transport;

        builder.WebHost.ConfigureKestrel(k =>
        {
            // Listeners come from Purple's flags only: Kestrel's own "Kestrel" section (Kestrel__Endpoints__… variables)
            // would open endpoints the node knows nothing of, outside its TLS, password and connection limits.
            k.Configure(new ConfigurationBuilder().Build(), reloadOnChange: false);
            k.AddServerHeader = false;
            // The HTTP API and the gRPC dispatcher each stop reading at their own limit and answer in their
            // protocol's terms (a 413 problem, RESOURCE_EXHAUSTED); Kestrel's limit would instead throw
            // mid-read, and it counts chunk framing against the body.
            k.Limits.MaxRequestBodySize = null;
            if (settings.RespPort != 0)
            {
                k.Listen(EndPointFor(settings.Address, settings.RespPort), l =>
                {
                    _resp = l;
                    if (settings.Tls is { Resp: true }) l.UseHttps(_tls!.Options());
                    _connections.Track(l, metrics.Resp, settings.MaxClients, "-ERR max number of clients reached\r\n"u8.ToArray());
                    l.UseConnectionHandler<RespConnectionHandler>();
                });
            }
            if (settings.MemcachedPort != 0)
            {
                k.Listen(EndPointFor(settings.Address, settings.MemcachedPort), l =>
                {
                    _memcached = l;
                    if (settings.Tls is { Memcached: true }) l.UseHttps(_tls!.Options());
                    _connections.Track(l, metrics.Memcached, settings.MaxClients, "ERROR Too many open connections\r\n"u8.ToArray());
                    l.UseConnectionHandler<MemcachedConnectionHandler>();
                });
            }
            if (settings.GrpcPort != 0)
            {
                k.Listen(EndPointFor(settings.Address, settings.GrpcPort), l =>
                {
                    _grpc = l;
                    // h2c with prior knowledge, as gRPC clients speak it without TLS.
                    l.Protocols = HttpProtocols.Http2;
                    _connections.Track(l, metrics.Grpc, settings.MaxClients);
                    // gRPC over TLS is h2 negotiated by ALPN.
                    if (settings.Tls is { Grpc: true }) l.UseHttps(_tls!.Options(SslApplicationProtocol.Http2));
                });
            }
            if (settings.HttpPort != 0)
            {
                k.Listen(EndPointFor(settings.Address, settings.HttpPort), l =>
                {
                    _http = l;
                    l.Protocols = HttpProtocols.Http1;
                    _connections.Track(l, metrics.Http, settings.MaxClients);
                    if (settings.Tls is { Http: true }) l.UseHttps(_tls!.Options(SslApplicationProtocol.Http11));
                });
            }
        });

        _app = builder.Build();
        var grpcMethods = new GrpcMethodTable();
        new PurpleV1Service(httpApi).Register(grpcMethods);
        new CompatServices(httpApi).Register(grpcMethods);
        var health = new HealthService(() => _ready, [PurpleV1Service.Name, .. CompatServices.Names]);
        health.Register(grpcMethods);
        new ReflectionService(() => ReflectionService.KnownFiles, () => grpcMethods.Services).Register(grpcMethods);
        var grpc = new GrpcDispatcher(grpcMethods, _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Purple.Grpc"),
            metrics: metrics.Grpc, auth: settings.Auth, durability: Durability);
        // The gRPC listener's requests go to the gRPC dispatcher only; HTTP routes never see them.
        _app.MapWhen(c => c.Connection.LocalPort == _grpcPort, branch => branch.Run(grpc.HandleAsync));
        // After the gRPC branch, so only HTTP responses that end with a bare error status become problem+json.
        _app.UseProblemsForBareStatuses();
        _app.Use(HttpRequestMetrics.Middleware(metrics.Http));
        _app.UseBearerPassword(settings.Auth, metrics.Http);
        _app.MapGet("/healthz", () => Results.Text("ok\n")).WithName("Healthz").ExcludeFromDescription();
        _app.MapGet("/metrics", () => Results.Text(_exporter.Scrape(), PrometheusExporter.ContentType)).WithName("Metrics").ExcludeFromDescription();
        _app.MapOpenApi();
        _app.MapPurpleHttpApi(httpApi);
        _app.MapGet("/readyz", () => _ready ? Results.Text("ready\n") : Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithName("Readyz").ExcludeFromDescription();
        _app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (_resp is not null) info.TcpPort = RespEndPoint!.Port;
            if (_memcached is not null) memcached.TcpPort = MemcachedEndPoint!.Port;
            if (_grpc is not null) _grpcPort = GrpcEndPoint!.Port;
            _ready = true;
            health.StatusChanged();
        });
        _app.Lifetime.ApplicationStopping.Register(() =>
        {
            _ready = false;
            health.Stopping();
            _connections.AbortAll();
        });
        Logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Purple.Node");
        _instruments.ListenersFrom(() => Listeners(settings));
        if (settings.IoPollMicros > 0 && _app.Services.GetService<Purple.Node.Transport.EpollTransport>() is { } epoll)
        {
            _instruments.IoPollFrom(() => (epoll.PolledSeconds, epoll.Wakeups.Caught, epoll.Wakeups.Slept));
        }
        _kestrelRefusals = new KestrelRefusals(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), port =>
            port == RespEndPoint?.Port ? metrics.Resp : port == MemcachedEndPoint?.Port ? metrics.Memcached
            : port == HttpEndPoint?.Port ? metrics.Http : port == GrpcEndPoint?.Port ? metrics.Grpc : null);
        _connections.Logger = Logger;
        if (_tls is not null)
        {
            _tls.Logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Purple.Tls");
            _tls.Watch();
        }
    }

    public NodeSettings Settings { get; }

    /// <summary>Connections the node accepts at once over every listener before refusing more; null: no limit known.</summary>
    public int? ConnectionBudget { get; }

    public PurpleEngine Engine { get; }

    public NodeMetrics Metrics { get; }

    /// <summary>The TLS certificate in use, when TLS is configured (tests watch it change on reload).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? TlsCertificate => _tls?.Certificate;

    /// <summary>Reloads the TLS files now, as SIGHUP does; false (previous certificate kept) when they do not load.</summary>
    public bool ReloadTls() => _tls?.Reload("requested") ?? false;

    public ILogger Logger { get; }

    public bool IsReady => _ready;

    public IPEndPoint? RespEndPoint => _resp?.IPEndPoint;

    public IPEndPoint? HttpEndPoint => _http?.IPEndPoint;

    public IPEndPoint? MemcachedEndPoint => _memcached?.IPEndPoint;

    public IPEndPoint? GrpcEndPoint => _grpc?.IPEndPoint;

    public static PurpleHost Create(NodeSettings settings, Action<ILoggingBuilder>? configureLogging = null)
    {
        var start = StoreStart.Begin(settings, configureLogging);
        try
        {
            return new PurpleHost(settings, configureLogging, start);
        }
        catch
        {
            start.AbandonAsync().GetAwaiter().GetResult();
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_storage is not null)
        {
            await _recovery!.ConfigureAwait(false);
            _storage.Storage.Start();
        }
        Engine.Start();
        if (_redis is not null)
        {
            try
            {
                _redis.Ping();
            }
            catch (StorageException ex)
            {
                // Front ends may start before their Redis: clients get "unavailable" errors until it answers.
                Logger.LogWarning("Redis is not reachable yet: {Reason}", ex.Message);
            }
            if (_redisProbeFailure is not null)
            {
                Logger.LogWarning("Could not ask {Redis} whether it is a cluster node ({Reason}); using it as a single Redis. For a Redis Cluster, name two or more of its nodes in --redis.",
                    _redis.Location, _redisProbeFailure);
            }
            _redis.StartSweeper(TimeSpan.FromSeconds(1));
        }
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Several addresses are a cluster's nodes. One address is asked (INFO cluster) whether it is a cluster node; when it
    /// cannot be reached yet it is taken as a single Redis, and the log says how to name a cluster.
    /// </summary>
    private string? _redisProbeFailure;

    private Purple.Storage.Redis.RedisDataStore OpenRedis(RedisSettings redis, int databases)
    {
        bool cluster = redis.NamesCluster;
        if (!cluster)
        {
            using var probe = new Purple.Storage.Redis.RedisClient(redis.Endpoint, connections: 1, timeout: redis.Timeout);
            try
            {
                var info = probe.Call(0, "INFO", "cluster");
                cluster = !info.IsError && info.AsString().Contains("cluster_enabled:1", StringComparison.Ordinal);
                if (cluster && redis.Endpoint.BaseDb != 0)
                {
                    throw new Purple.Storage.RecoveryException($"--redis {redis.Endpoint} is a Redis Cluster node, which has database 0 only: drop the /{redis.Endpoint.BaseDb} from the address.");
                }
            }
            catch (StorageException ex)
            {
                // Logged once the host's logger exists (StartAsync).
                _redisProbeFailure = ex.Message;
            }
        }
        if (cluster)
        {
            return new Purple.Storage.Redis.RedisDataStore(
                new Purple.Storage.Redis.RedisClusterClient(redis.Endpoints, connectionsPerNode: 2, timeout: redis.Timeout), databases);
        }
        return new Purple.Storage.Redis.RedisDataStore(
            new Purple.Storage.Redis.RedisClient(redis.Endpoint, connections: 2, timeout: redis.Timeout), databases);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // A host disposed without being started may still be recovering into the store it is about to close.
        if (_recovery is not null) await _recovery.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        // After the listeners are gone, so the final snapshot and journal drain see every acknowledged write.
        if (_storage is not null) await _storage.DisposeAsync().ConfigureAwait(false);
        _storageLogging?.Dispose();
        _redis?.Dispose();
        _exporter.Dispose();
        _kestrelRefusals.Dispose();
        _instruments.Dispose();
        _tls?.Dispose();
        _connections.Dispose();
        _memcachedContext.Dispose();
        await Engine.DisposeAsync().ConfigureAwait(false);
    }

    private IEnumerable<PurpleInstruments.Listener> Listeners(NodeSettings settings)
    {
        if (RespEndPoint is { } resp) yield return new("resp", resp.ToString(), settings.Tls is { Resp: true });
        if (MemcachedEndPoint is { } memcached) yield return new("memcached", memcached.ToString(), settings.Tls is { Memcached: true });
        if (HttpEndPoint is { } http) yield return new("http", http.ToString(), settings.Tls is { Http: true });
        if (GrpcEndPoint is { } grpc) yield return new("grpc", grpc.ToString(), settings.Tls is { Grpc: true });
    }

    private static IPEndPoint EndPointFor(IPAddress address, int port) => new(address, port == AnyFreePort ? 0 : port);
}
