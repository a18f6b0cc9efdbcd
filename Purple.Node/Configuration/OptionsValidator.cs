using System.Net;
using System.Numerics;
using Purple.Actors;

namespace Purple.Node.Configuration;

/// <summary>
/// Turns raw options into <see cref="NodeSettings"/>, collecting every problem with a message that says
/// what to change, so a wrong configuration fails at startup (non-zero exit) instead of at first use.
/// </summary>
public static class OptionsValidator
{
    /// <summary>Share of the memory available to the process used as the default capacity.</summary>
    public const double DefaultCapacityFraction = 0.5;

    public static NodeSettings? Validate(PurpleOptions o, string? configFile, long availableMemoryBytes, out List<string> errors)
    {
        errors = [];
        if (!TryParseAddress(o.Host, out var address))
        {
            errors.Add($"--host '{o.Host}' is not an IP address (use e.g. 127.0.0.1, ::1, 0.0.0.0 or localhost).");
        }
        CheckPort(errors, "--resp-port", o.RespPort);
        CheckPort(errors, "--memcached-port", o.MemcachedPort);
        CheckPort(errors, "--http-port", o.HttpPort);
        CheckPort(errors, "--grpc-port", o.GrpcPort);
        var used = new Dictionary<int, string>();
        foreach (var (flag, port) in new[] { ("--resp-port", o.RespPort), ("--memcached-port", o.MemcachedPort), ("--http-port", o.HttpPort), ("--grpc-port", o.GrpcPort) })
        {
            if (port <= 0) continue;
            if (used.TryGetValue(port, out var other)) errors.Add($"{flag} and {other} are both {port}; give each listener its own port.");
            else used[port] = flag;
        }

        long capacity;
        string capacitySource;
        if (string.IsNullOrWhiteSpace(o.Capacity))
        {
            capacity = (long)(availableMemoryBytes * DefaultCapacityFraction);
            capacitySource = $"default: {DefaultCapacityFraction:P0} of {ByteSize.Format(availableMemoryBytes)} available to the process";
        }
        else if (!ByteSize.TryParse(o.Capacity, out capacity) || capacity <= 0)
        {
            errors.Add($"--capacity '{o.Capacity}' is not a size; write e.g. 512MB, 2G or 1048576 (K/KB/M/MB/G/GB).");
            capacitySource = "";
        }
        else capacitySource = "--capacity";

        EvictionPolicy eviction = default;
        if (!Enum.TryParse(o.Eviction, ignoreCase: true, out eviction) || !Enum.IsDefined(eviction) || int.TryParse(o.Eviction, out _))
        {
            errors.Add($"--eviction '{o.Eviction}' is not a policy; use lru, lfu, weak or none.");
        }
        EvictionScope scope = default;
        if (!Enum.TryParse(o.EvictionScope, ignoreCase: true, out scope) || !Enum.IsDefined(scope) || int.TryParse(o.EvictionScope, out _))
        {
            errors.Add($"--eviction-scope '{o.EvictionScope}' is not a scope; use volatile (only keys with a TTL) or all.");
        }
        if (o.Databases is < 1 or > 10_000)
        {
            errors.Add($"--databases {o.Databases} is out of range; use 1 to 10000 (Redis's default is 16).");
        }
        if (o.Shards is < 1 or > 4096 || !BitOperations.IsPow2(o.Shards))
        {
            errors.Add($"--shards {o.Shards} must be a power of two between 1 and 4096.");
        }
        bool protectedMode = true;
        if (o.ProtectedMode.Equals("no", StringComparison.OrdinalIgnoreCase)) protectedMode = false;
        else if (!o.ProtectedMode.Equals("yes", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"--protected-mode '{o.ProtectedMode}' must be yes or no.");
        }
        if (o.MaxClients is < 1 or > 1_000_000)
        {
            errors.Add($"--maxclients {o.MaxClients} is out of range; use 1 to 1000000 (Redis's default is 10000).");
        }
        var idleTimeout = Timeout("--idle-timeout", o.IdleTimeout, errors);
        var stallTimeout = Timeout("--output-stall-timeout", o.OutputStallTimeout, errors);
        string? password = Password(o, errors);
        var tls = Tls(o, errors);
        if (protectedMode && password is null && address is not null && !IPAddress.IsLoopback(address))
        {
            errors.Add($"--host {o.Host} is not a loopback address and no password is configured (protected mode). " +
                       "Set --requirepass-file (or --requirepass, or PURPLE__REQUIREPASS), bind 127.0.0.1, or pass --protected-mode no if this network is trusted.");
        }
        if (!ByteSize.TryParse(o.ProtoMaxBulkLen, out long maxBulk) || maxBulk < 1024 || maxBulk > Purple.Core.Limits.MaxStringLength * 4)
        {
            errors.Add($"--proto-max-bulk-len '{o.ProtoMaxBulkLen}' must be a size between 1KB and 2GB (Redis's default is 512MB).");
        }
        // memcached's -I accepts 1KB..1GB; the item must also fit the engine's string limit.
        if (!ByteSize.TryParse(o.MemcachedMaxItemSize, out long maxItem) || maxItem < 1024 || maxItem > 1024L * 1024 * 1024)
        {
            errors.Add($"--memcached-max-item-size '{o.MemcachedMaxItemSize}' must be a size between 1KB and 1GB (memcached's default is 1MB).");
        }
        if (!TryParseDuration(o.CacheDefaultTtl, out var cacheTtl) || cacheTtl <= TimeSpan.Zero || cacheTtl > TimeSpan.FromDays(3650))
        {
            errors.Add($"--cache-default-ttl '{o.CacheDefaultTtl}' must be a positive duration such as 5s, 500ms, 2m or 1h.");
        }
        var storage = StorageSettings(o, errors);
        bool json = o.LogFormat.Equals("json", StringComparison.OrdinalIgnoreCase);
        if (!json && !o.LogFormat.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"--log-format '{o.LogFormat}' must be text or json.");
        }
        bool inlineIo = o.InlineIo.Equals("yes", StringComparison.OrdinalIgnoreCase);
        if (!inlineIo && !o.InlineIo.Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"--inline-io '{o.InlineIo}' must be yes or no.");
        }
        var transport = Transport(o, errors);
        if (o.IoThreads < 0 || o.IoThreads > 256)
        {
            errors.Add($"--io-threads {o.IoThreads} must be between 0 (the default: 3/4 of the cores) and 256.");
        }
        int ioPoll = IoPoll(o.IoPoll, errors);
        var redis = RedisSettings(o, errors);
        // Redis calls block the calling thread until Redis answers; on a socket I/O thread that would stall every
        // connection served by it, so protocol code runs on the thread pool in this mode.
        if (redis is not null) inlineIo = false;
        bool activeDefrag = o.ActiveDefrag.Equals("yes", StringComparison.OrdinalIgnoreCase);
        if (!activeDefrag && !o.ActiveDefrag.Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"--active-defrag '{o.ActiveDefrag}' must be yes or no.");
        }
        if (errors.Count > 0) return null;
        return new NodeSettings(address!, o.RespPort, o.MemcachedPort, o.HttpPort, o.GrpcPort, capacity, capacitySource,
            eviction, scope, o.Databases, o.Shards, maxBulk, json, inlineIo, configFile, activeDefrag, (int)maxItem, cacheTtl)
        {
            Auth = new Purple.Protocols.Security.PasswordGuard(password),
            ProtectedMode = protectedMode,
            Tls = tls,
            MaxClients = o.MaxClients,
            Transport = transport,
            IoThreads = o.IoThreads == 0 ? DefaultIoThreads(storage) : o.IoThreads,
            IoPollMicros = ioPoll,
            IdleTimeout = idleTimeout,
            OutputStallTimeout = stallTimeout,
            Storage = storage,
            Redis = redis,
        };
    }

    /// <summary>
    /// <see cref="NodeSettings.DefaultIoThreads"/>; but one in all with a local journal under --fsync always, as Redis
    /// has: each I/O loop then commits the records of its own batches (docs/storage.md, "Who commits under always"), and
    /// two loops make twice the commits, each half the size, for more CPU per write (docs/performance.md).
    /// </summary>
    private static int DefaultIoThreads(StorageSettings? storage) =>
        storage is { Fsync: Purple.Storage.FsyncMode.Always, Postgres: null } ? 1 : NodeSettings.DefaultIoThreads;

    /// <summary>--io-poll: auto, off, or microseconds ("50us", or a bare number).</summary>
    private static int IoPoll(string text, List<string> errors)
    {
        string t = text.Trim();
        if (t.Equals("auto", StringComparison.OrdinalIgnoreCase) || t.Length == 0) return NodeSettings.DefaultIoPollMicros;
        if (t.Equals("off", StringComparison.OrdinalIgnoreCase)) return 0;
        if (t.EndsWith("us", StringComparison.OrdinalIgnoreCase)) t = t[..^2];
        if (int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int micros) && micros <= 1000)
        {
            return micros;
        }
        errors.Add($"--io-poll '{text}' must be auto, off, or microseconds from 0 to 1000 such as 50us.");
        return 0;
    }

    private static NodeTransport Transport(PurpleOptions o, List<string> errors)
    {
        switch (o.Transport.ToLowerInvariant())
        {
            case "" or "auto":
                return NodeSettings.DefaultTransport;
            case "sockets":
                return NodeTransport.Sockets;
            case "epoll" when Purple.Node.Transport.EpollNative.IsSupported:
                return NodeTransport.Epoll;
            case "epoll":
                errors.Add("--transport epoll needs Linux; use --transport sockets here.");
                return NodeTransport.Sockets;
            default:
                errors.Add($"--transport '{o.Transport}' must be auto, epoll or sockets.");
                return NodeTransport.Sockets;
        }
    }

    private static RedisSettings? RedisSettings(PurpleOptions o, List<string> errors)
    {
        bool redisMode = o.Storage.Equals("redis", StringComparison.OrdinalIgnoreCase);
        if (!redisMode)
        {
            if (!string.IsNullOrEmpty(o.Redis)) errors.Add("--redis is only used with --storage redis.");
            return null;
        }
        if (string.IsNullOrWhiteSpace(o.Redis))
        {
            errors.Add("--storage redis needs --redis redis://host:port[/db] (the Redis to front).");
            return null;
        }
        var addresses = o.Redis.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        var endpoints = new List<Purple.Storage.Redis.RedisEndpoint>();
        foreach (string address in addresses)
        {
            if (!Purple.Storage.Redis.RedisEndpoint.TryParse(address, out var endpoint, out string? error))
            {
                errors.Add($"--redis {error}.");
                return null;
            }
            endpoints.Add(endpoint!);
        }
        if (endpoints.Count > 1 && endpoints.Any(e => e.BaseDb != 0))
        {
            errors.Add("--redis names several nodes of a Redis Cluster, which has database 0 only: drop the /db from the addresses (Purple's databases become key prefixes).");
            return null;
        }
        if (!TryParseDuration(o.RedisTimeout, out var timeout) || timeout < TimeSpan.FromMilliseconds(10) || timeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"--redis-timeout '{o.RedisTimeout}' must be a duration between 10ms and 10m, such as 5s.");
            return null;
        }
        return new RedisSettings(endpoints, timeout);
    }

    private static StorageSettings? StorageSettings(PurpleOptions o, List<string> errors)
    {
        string mode = o.Storage.ToLowerInvariant();
        if (mode is "memory" or "redis") return null;
        if (mode is "postgresql") mode = "postgres";
        if (mode is not ("sqlite" or "disk" or "postgres"))
        {
            errors.Add($"--storage '{o.Storage}' must be memory, sqlite (alias disk), postgres or redis.");
            return null;
        }
        var fsync = o.Fsync.ToLowerInvariant() switch
        {
            "always" => Purple.Storage.FsyncMode.Always,
            "everysec" => Purple.Storage.FsyncMode.EverySecond,
            "no" => Purple.Storage.FsyncMode.No,
            _ => (Purple.Storage.FsyncMode?)null,
        };
        if (fsync is null) errors.Add($"--fsync '{o.Fsync}' must be always, everysec or no.");
        if (string.IsNullOrWhiteSpace(o.DataDir)) errors.Add("--data-dir must name a directory.");
        if (!ByteSize.TryParse(o.SnapshotMinJournal, out long minJournal) || minJournal < 1024)
        {
            errors.Add($"--snapshot-min-journal '{o.SnapshotMinJournal}' must be a size of at least 1KB, such as 64MB.");
        }
        var postgres = mode == "postgres" ? Postgres(o, errors) : null;
        if (fsync is null || string.IsNullOrWhiteSpace(o.DataDir) || mode == "postgres" && postgres is null) return null;
        return new StorageSettings(Path.GetFullPath(o.DataDir), fsync.Value, minJournal) { Postgres = postgres };
    }

    /// <summary>--postgres, --postgres-schema and --postgres-password-file; no message repeats the password.</summary>
    private static PostgresSettings? Postgres(PurpleOptions o, List<string> errors)
    {
        bool ok = true;
        if (!Purple.Storage.PostgresJournalBackend.IsValidSchema(o.PostgresSchema ?? ""))
        {
            errors.Add($"--postgres-schema '{o.PostgresSchema}' must be a lower-case name of letters, digits and _ (at most 63, not starting with a digit), such as purple.");
            ok = false;
        }
        if (string.IsNullOrWhiteSpace(o.Postgres))
        {
            errors.Add("--storage postgres needs --postgres (or PURPLE__POSTGRES): an Npgsql connection string such as " +
                "\"Host=127.0.0.1;Port=5432;Username=purple;Database=purple\" or a postgres://user@host:5432/database URL.");
            return null;
        }
        string? password = null;
        if (!string.IsNullOrEmpty(o.PostgresPasswordFile))
        {
            try
            {
                password = File.ReadLines(o.PostgresPasswordFile).FirstOrDefault()?.TrimEnd('\r');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"--postgres-password-file '{o.PostgresPasswordFile}' cannot be read ({ex.GetType().Name}); give a readable file whose first line is the password.");
                return null;
            }
            if (string.IsNullOrEmpty(password))
            {
                errors.Add($"--postgres-password-file '{o.PostgresPasswordFile}' has an empty first line; its first line is the password.");
                return null;
            }
        }
        var builder = Purple.Storage.PostgresConnectionString.TryParse(o.Postgres, password, out string? problem);
        if (builder is null)
        {
            errors.Add($"--postgres {problem}.");
            return null;
        }
        return ok ? new PostgresSettings(builder.ConnectionString, o.PostgresSchema!) : null;
    }

    /// <summary>A duration where "0" means never.</summary>
    private static TimeSpan Timeout(string flag, string text, List<string> errors)
    {
        if (text.Trim() == "0") return TimeSpan.Zero;
        if (TryParseDuration(text, out var value) && value > TimeSpan.Zero && value <= TimeSpan.FromDays(365)) return value;
        errors.Add($"{flag} '{text}' must be 0 (never) or a duration such as 300s, 5m or 1h.");
        return TimeSpan.Zero;
    }

    private static TlsSettings? Tls(PurpleOptions o, List<string> errors)
    {
        bool Switch(string flag, string value)
        {
            if (value.Equals("yes", StringComparison.OrdinalIgnoreCase)) return true;
            if (!value.Equals("no", StringComparison.OrdinalIgnoreCase)) errors.Add($"{flag} '{value}' must be yes or no.");
            return false;
        }
        bool resp = Switch("--tls-resp", o.TlsResp), memcached = Switch("--tls-memcached", o.TlsMemcached);
        bool http = Switch("--tls-http", o.TlsHttp), grpc = Switch("--tls-grpc", o.TlsGrpc);
        bool cert = !string.IsNullOrEmpty(o.TlsCert), key = !string.IsNullOrEmpty(o.TlsKey);
        if (!cert && !key)
        {
            if (!string.IsNullOrEmpty(o.TlsCa)) errors.Add("--tls-ca needs --tls-cert and --tls-key: client certificates are checked during a TLS handshake.");
            return null;
        }
        if (cert != key)
        {
            errors.Add("--tls-cert and --tls-key go together; give both PEM files.");
            return null;
        }
        var settings = new TlsSettings(o.TlsCert!, o.TlsKey!, string.IsNullOrEmpty(o.TlsCa) ? null : o.TlsCa, resp, memcached, http, grpc);
        try
        {
            // Load once now, so a bad file stops startup with its name instead of failing every handshake.
            Purple.Node.Hosting.TlsCertificates.Load(settings);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(ex.Message);
            return null;
        }
        return settings;
    }

    /// <summary>The password from --requirepass or the first line of --requirepass-file; null for none. Never echoed in errors.</summary>
    private static string? Password(PurpleOptions o, List<string> errors)
    {
        bool inline = !string.IsNullOrEmpty(o.Requirepass), fromFile = !string.IsNullOrEmpty(o.RequirepassFile);
        if (inline && fromFile)
        {
            errors.Add("--requirepass and --requirepass-file are both set; give the password one way.");
            return null;
        }
        string? password = o.Requirepass;
        if (fromFile)
        {
            try
            {
                password = File.ReadLines(o.RequirepassFile!).FirstOrDefault()?.TrimEnd('\r');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"--requirepass-file '{o.RequirepassFile}' cannot be read ({ex.GetType().Name}); give a readable file whose first line is the password.");
                return null;
            }
            if (string.IsNullOrEmpty(password))
            {
                errors.Add($"--requirepass-file '{o.RequirepassFile}' has an empty first line; its first line is the password.");
                return null;
            }
        }
        if (password is { Length: > 512 })
        {
            errors.Add("the password is longer than 512 characters; use a shorter one.");
            return null;
        }
        if (password is not null && password.Any(char.IsControl))
        {
            errors.Add("the password contains control characters (a stray newline?); use printable characters only.");
            return null;
        }
        return string.IsNullOrEmpty(password) ? null : password;
    }

    /// <summary>"500ms", "5s", "2m", "1h", "1d", or bare seconds.</summary>
    internal static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        (string number, double unitMs) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1.0)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1000.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60_000.0)
            : text.EndsWith('h') || text.EndsWith('H') ? (text[..^1], 3_600_000.0)
            : text.EndsWith('d') || text.EndsWith('D') ? (text[..^1], 86_400_000.0)
            : (text, 1000.0);
        if (!long.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n)) return false;
        value = TimeSpan.FromMilliseconds(n * unitMs);
        return true;
    }

    private static void CheckPort(List<string> errors, string flag, int port)
    {
        if (port is < 0 or > 65535) errors.Add($"{flag} {port} is not a port; use 1-65535, or 0 to switch the listener off.");
    }

    private static bool TryParseAddress(string host, out IPAddress? address)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }
        if (host == "*")
        {
            address = IPAddress.Any;
            return true;
        }
        return IPAddress.TryParse(host, out address);
    }
}
