using System.Net.Sockets;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Node;

public static class Program
{
    /// <summary>Exit codes a script can rely on.</summary>
    public const int ExitOk = 0, ExitStartupFailure = 1, ExitBadConfiguration = 2;

    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(Usage);
            return ExitOk;
        }
        if (args is ["--version"])
        {
            Console.WriteLine(NodeServerInfo.ProductVersion);
            return ExitOk;
        }
        if (args is ["--health-check", ..])
        {
            return await HealthCheck.RunAsync(args.Length > 1 ? args[1] : null).ConfigureAwait(false);
        }
        var configuration = OptionsLoader.Load(args, out var configFile, out var loadError);
        var options = configuration is null ? null : OptionsLoader.Bind(configuration, out loadError);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"purple: {loadError}").ConfigureAwait(false);
            return ExitBadConfiguration;
        }
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var settings = OptionsValidator.Validate(options, configFile, available, out var errors);
        if (settings is null)
        {
            foreach (var e in errors) await Console.Error.WriteLineAsync($"purple: {e}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync("purple: configuration is invalid; nothing was started.").ConfigureAwait(false);
            return ExitBadConfiguration;
        }

        if (settings.InlineIo && Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            // Read by the socket engine when the first socket is created, which has not happened yet.
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
        PurpleHost created;
        try
        {
            created = PurpleHost.Create(settings);
        }
        catch (Purple.Storage.RecoveryException ex)
        {
            await Console.Error.WriteLineAsync($"purple: cannot start: {ex.Message}").ConfigureAwait(false);
            return ExitStartupFailure;
        }
        await using var host = created;
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (Purple.Storage.RecoveryException ex)
        {
            await Console.Error.WriteLineAsync($"purple: cannot start: {ex.Message}").ConfigureAwait(false);
            return ExitStartupFailure;
        }
        catch (IOException ex)
        {
            // Kestrel reports a taken port as an IOException; name the listener and the flag to change.
            await Console.Error.WriteLineAsync($"purple: cannot listen: {DescribeBindFailure(settings, ex)}").ConfigureAwait(false);
            return ExitStartupFailure;
        }
        LogStartup(host);
        await host.WaitForShutdownAsync().ConfigureAwait(false);
        host.Logger.LogInformation("Purple stopped");
        return ExitOk;
    }

    private static string DescribeBindFailure(NodeSettings s, IOException ex)
    {
        string reason = (ex.InnerException?.Message ?? ex.Message).TrimEnd('.').ToLowerInvariant();
        foreach (var (name, flag, port) in new[] { ("RESP", "--resp-port", s.RespPort), ("memcached", "--memcached-port", s.MemcachedPort), ("HTTP", "--http-port", s.HttpPort), ("gRPC", "--grpc-port", s.GrpcPort) })
        {
            if (port > 0 && ex.Message.Contains($":{port}", StringComparison.Ordinal))
            {
                return $"{s.Address}:{port} ({name}): {reason}. Stop whatever uses the port, or choose another with {flag}.";
            }
        }
        return $"{ex.Message} Stop whatever uses the port, or choose other ports.";
    }

    private static void LogStartup(PurpleHost host)
    {
        var s = host.Settings;
        if (host.Redis is { IsCluster: true } cluster)
        {
            host.Logger.LogInformation("Purple {Version} started (pid {Pid}, storage redis on {Redis}, databases as key prefixes)",
                NodeServerInfo.ProductVersion, Environment.ProcessId, cluster.Location);
        }
        else if (host.Settings.Redis is { } redis)
        {
            host.Logger.LogInformation("Purple {Version} started (pid {Pid}, storage redis at {Redis}, database {BaseDb} and up)",
                NodeServerInfo.ProductVersion, Environment.ProcessId, redis.Endpoint, redis.Endpoint.BaseDb);
        }
        else if (host.Settings.Storage is { } storage)
        {
            host.Logger.LogInformation("Purple {Version} started (pid {Pid}, storage {Storage} {Where} {Location}, fsync {Fsync})",
                NodeServerInfo.ProductVersion, Environment.ProcessId, storage.Mode, storage.Postgres is null ? "in" : "at",
                storage.Postgres?.Location ?? storage.DataDir,
                storage.Fsync switch { Purple.Storage.FsyncMode.Always => "always", Purple.Storage.FsyncMode.EverySecond => "everysec", _ => "no" });
        }
        else
        {
            host.Logger.LogInformation("Purple {Version} started (pid {Pid}, storage memory)", NodeServerInfo.ProductVersion, Environment.ProcessId);
        }
        host.Logger.LogInformation("Capacity {Capacity} ({CapacitySource}); eviction {Eviction}, scope {Scope}; {Databases} databases, {Shards} shards",
            ByteSize.Format(s.CapacityBytes), s.CapacitySource, s.Eviction.ToString().ToLowerInvariant(), s.Scope.ToString().ToLowerInvariant(), s.Databases, s.Shards);
        if (s.Auth.Required) host.Logger.LogInformation("Password required on every protocol (RESP AUTH, memcached login, HTTP and gRPC Bearer)");
        else host.Logger.LogInformation("No password: any client that reaches a listener is trusted (protected mode {ProtectedMode})", s.ProtectedMode ? "on" : "off");
        int listeners = new[] { s.RespPort, s.MemcachedPort, s.HttpPort, s.GrpcPort }.Count(p => p != 0);
        if (host.ConnectionBudget is int budget && budget < (long)s.MaxClients * listeners)
        {
            // Redis's warning when ulimit -n is below maxclients: say the real limit and how to raise it.
            host.Logger.LogWarning("The open-file limit ({Limit}) leaves room for {Budget} connections over all listeners, below --maxclients {MaxClients} on each of {Listeners}: connections past {Budget} are refused as over maxclients. Raise it (ulimit -n, systemd LimitNOFILE=) to serve more",
                DescriptorBudget.OpenFileLimit(), budget, s.MaxClients, listeners, budget);
        }
        if (s.Tls is { } tls && host.TlsCertificate is { } certificate)
        {
            string on = string.Join(", ", new[] { (tls.Resp, "RESP"), (tls.Memcached, "memcached"), (tls.Http, "HTTP"), (tls.Grpc, "gRPC (h2)") }.Where(l => l.Item1).Select(l => l.Item2));
            host.Logger.LogInformation("TLS on {Listeners} with {Subject}, expires {NotAfter:O}; client certificates {ClientCertificates}; reloads on file change or SIGHUP",
                on.Length > 0 ? on : "no listener", certificate.Subject, certificate.NotAfter.ToUniversalTime(), tls.CaPath is null ? "not requested" : "required (--tls-ca)");
        }
        if (host.RespEndPoint is { } resp) host.Logger.LogInformation("RESP listening on {EndPoint}", resp);
        else host.Logger.LogInformation("RESP listener off");
        if (host.HttpEndPoint is { } http) host.Logger.LogInformation("HTTP listening on {Scheme}://{EndPoint} (/cache /kv /counters /sets /flags, /openapi/v1.json, /metrics, /healthz, /readyz)", s.Tls is { Http: true } ? "https" : "http", http);
        else host.Logger.LogInformation("HTTP listener off");
        if (host.MemcachedEndPoint is { } memcached) host.Logger.LogInformation("memcached listening on {EndPoint} (item size limit {MaxItemSize})", memcached, ByteSize.Format(s.MemcachedMaxItemSize));
        else host.Logger.LogInformation("memcached listener off");
        if (host.GrpcEndPoint is { } grpc) host.Logger.LogInformation("gRPC ({Transport}) listening on {EndPoint} (purple.v1.Purple; the original Purple's proto.*; gerdu.Gerdu; grpc.health.v1.Health; reflection)", s.Tls is { Grpc: true } ? "h2, TLS" : "h2c", grpc);
        else host.Logger.LogInformation("gRPC listener off");
    }

    private const string Usage = """
        purple-node: the Purple data server (Redis and memcached protocols on the same data).

        Usage: purple-node [--config FILE] [--flag value ...]
          --host ADDRESS            address every listener binds (default 127.0.0.1)
          --resp-port N             Redis protocol port (default 6379; 0 = off)
          --memcached-port N        memcached port (default 11211; 0 = off)
          --http-port N             HTTP port, /healthz and /readyz (default 8080; 0 = off)
          --grpc-port N             gRPC port (default 8081; 0 = off)
          --capacity SIZE           memory budget, e.g. 512MB, 2G (default: half of available memory)
          --eviction POLICY         lru | lfu | weak | none (default lru)
          --eviction-scope SCOPE    volatile | all (default volatile: only keys with a TTL are evicted)
          --databases N             number of databases (default 16)
          --shards N                engine shards, a power of two (default 16)
          --protected-mode yes|no   refuse non-loopback binds without a password (default yes)
          --requirepass PASSWORD    require this password on every protocol (prefer the file or PURPLE__REQUIREPASS)
          --requirepass-file FILE   the password is the file's first line
          --health-check [URL]      probe a running node's /readyz (default http://127.0.0.1:8080/readyz): exit 0 when ready, 1 otherwise (Docker HEALTHCHECK)
          --maxclients N            most connections per listener (default 10000)
          --idle-timeout DURATION   close silent RESP/memcached clients (default 0: never)
          --output-stall-timeout DURATION  disconnect clients that stop reading replies (default 60s)
          --tls-cert FILE --tls-key FILE  PEM certificate and key: TLS on every listener (reloaded on change or SIGHUP)
          --tls-ca FILE             require client certificates that chain to this PEM CA (mutual TLS)
          --tls-resp|--tls-memcached|--tls-http|--tls-grpc yes|no  per-listener TLS switch (default yes)
          --proto-max-bulk-len SIZE largest RESP bulk string (default 512MB)
          --memcached-max-item-size SIZE  largest memcached value (default 1MB, memcached's -I)
          --cache-default-ttl DURATION    TTL of an HTTP cache entry written without one (default 5s)
          --storage MODE            memory | sqlite (alias disk) | postgres: where writes are kept (default memory; docs/storage.md)
          --data-dir DIR            where --storage sqlite keeps its journal and snapshots (default data)
          --fsync always|everysec|no  when the journal is forced to disk (default everysec)
          --snapshot-min-journal SIZE  snapshot once the journal grew this much (default 64MB)
          --postgres CONNECTION     --storage postgres: "Host=...;Port=5432;Username=...;Database=..." or postgres://user@host/db
          --postgres-schema NAME    schema of the journal and snapshots, one node per schema (default purple)
          --postgres-password-file FILE  the PostgreSQL password is the file's first line (PGPASSWORD also works)
          --log-format text|json    log line format (default text)
          --inline-io yes|no        run protocol code on socket I/O threads (default yes)
          --transport auto|epoll|sockets  what serves the listeners' sockets (default auto: epoll on Linux)
          --io-threads N            the epoll transport's I/O threads (default 0: 3/4 of the cores, at least
                                    one; one under --storage sqlite --fsync always)
          --io-poll auto|off|Nus    how long an epoll loop polls before it sleeps (default auto: 50us, off
                                    under a CPU quota); adaptive, at most as long as the loop worked
          --active-defrag yes|no    compact the GC heap when idle after a load (default yes)
        Every option can also be set as PURPLE__<Name> (e.g. PURPLE__RespPort=6380) or in the JSON file.
        See purple.sample.json.
        """;
}
