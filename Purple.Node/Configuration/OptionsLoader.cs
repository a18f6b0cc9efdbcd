using Microsoft.Extensions.Configuration;

namespace Purple.Node.Configuration;

/// <summary>
/// Reads configuration from the optional JSON file (<c>--config</c>), <c>PURPLE__*</c> environment
/// variables and command-line flags, in rising precedence. Unknown flags are errors, not silently
/// ignored keys: a typo must not start a server on the wrong port.
/// </summary>
public static class OptionsLoader
{
    /// <summary>Flag → option name. The flags scripts and docs rely on; never rename one.</summary>
    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--host"] = nameof(PurpleOptions.Host),
        ["--resp-port"] = nameof(PurpleOptions.RespPort),
        ["--memcached-port"] = nameof(PurpleOptions.MemcachedPort),
        ["--http-port"] = nameof(PurpleOptions.HttpPort),
        ["--grpc-port"] = nameof(PurpleOptions.GrpcPort),
        ["--capacity"] = nameof(PurpleOptions.Capacity),
        ["--eviction"] = nameof(PurpleOptions.Eviction),
        ["--eviction-scope"] = nameof(PurpleOptions.EvictionScope),
        ["--databases"] = nameof(PurpleOptions.Databases),
        ["--shards"] = nameof(PurpleOptions.Shards),
        ["--protected-mode"] = nameof(PurpleOptions.ProtectedMode),
        ["--requirepass"] = nameof(PurpleOptions.Requirepass),
        ["--requirepass-file"] = nameof(PurpleOptions.RequirepassFile),
        ["--maxclients"] = nameof(PurpleOptions.MaxClients),
        ["--idle-timeout"] = nameof(PurpleOptions.IdleTimeout),
        ["--output-stall-timeout"] = nameof(PurpleOptions.OutputStallTimeout),
        ["--tls-cert"] = nameof(PurpleOptions.TlsCert),
        ["--tls-key"] = nameof(PurpleOptions.TlsKey),
        ["--tls-ca"] = nameof(PurpleOptions.TlsCa),
        ["--tls-resp"] = nameof(PurpleOptions.TlsResp),
        ["--tls-memcached"] = nameof(PurpleOptions.TlsMemcached),
        ["--tls-http"] = nameof(PurpleOptions.TlsHttp),
        ["--tls-grpc"] = nameof(PurpleOptions.TlsGrpc),
        ["--proto-max-bulk-len"] = nameof(PurpleOptions.ProtoMaxBulkLen),
        ["--memcached-max-item-size"] = nameof(PurpleOptions.MemcachedMaxItemSize),
        ["--cache-default-ttl"] = nameof(PurpleOptions.CacheDefaultTtl),
        ["--storage"] = nameof(PurpleOptions.Storage),
        ["--data-dir"] = nameof(PurpleOptions.DataDir),
        ["--redis"] = nameof(PurpleOptions.Redis),
        ["--redis-timeout"] = nameof(PurpleOptions.RedisTimeout),
        ["--fsync"] = nameof(PurpleOptions.Fsync),
        ["--snapshot-min-journal"] = nameof(PurpleOptions.SnapshotMinJournal),
        ["--postgres"] = nameof(PurpleOptions.Postgres),
        ["--postgres-schema"] = nameof(PurpleOptions.PostgresSchema),
        ["--postgres-password-file"] = nameof(PurpleOptions.PostgresPasswordFile),
        ["--log-format"] = nameof(PurpleOptions.LogFormat),
        ["--inline-io"] = nameof(PurpleOptions.InlineIo),
        ["--transport"] = nameof(PurpleOptions.Transport),
        ["--io-threads"] = nameof(PurpleOptions.IoThreads),
        ["--io-poll"] = nameof(PurpleOptions.IoPoll),
        ["--active-defrag"] = nameof(PurpleOptions.ActiveDefrag),
    };

    public const string EnvironmentPrefix = "PURPLE__";

    /// <summary>Builds the configuration, or returns the error to print. <paramref name="configFile"/> is the --config path, if any.</summary>
    public static IConfiguration? Load(string[] args, out string? configFile, out string? error, IDictionary<string, string?>? environment = null)
    {
        configFile = null;
        error = null;
        var commandLine = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string name = arg;
            string? value = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            if (name != "--config" && !Flags.ContainsKey(name))
            {
                error = $"Unknown option '{name}'. Known options: --config, {string.Join(", ", Flags.Keys)}.";
                return null;
            }
            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    error = $"Option '{name}' needs a value, e.g. {name} <value>.";
                    return null;
                }
                value = args[++i];
            }
            if (name == "--config") configFile = value;
            else commandLine[Flags[name]] = value;
        }

        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                error = $"--config {configFile}: file not found.";
                return null;
            }
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        if (environment is null) builder.AddEnvironmentVariables(EnvironmentPrefix);
        else
        {
            builder.AddInMemoryCollection(environment
                .Where(e => e.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                .Select(e => KeyValuePair.Create(e.Key[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), e.Value)));
        }
        builder.AddInMemoryCollection(commandLine);
        try
        {
            var configuration = builder.Build();
            return configuration;
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
        {
            error = $"--config {configFile}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Binds <see cref="PurpleOptions"/>; a value of the wrong shape is an error naming the option.</summary>
    public static PurpleOptions? Bind(IConfiguration configuration, out string? error)
    {
        error = null;
        var options = new PurpleOptions();
        try
        {
            configuration.Bind(options, o => o.ErrorOnUnknownConfiguration = false);
            return options;
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert.
            error = ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}";
            return null;
        }
    }
}
