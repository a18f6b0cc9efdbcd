using System.Globalization;
using Purple.Actors;
using Purple.Core.Execution;
using Purple.Node.Configuration;
using Purple.Protocols.Resp;

namespace Purple.Node.Hosting;

/// <summary>
/// CONFIG GET/SET over the knobs Purple really has. maxmemory and maxmemory-policy change the running
/// engine; the others are read-only facts (CONFIG SET on them is refused with the reason).
/// </summary>
internal sealed class NodeRuntimeConfig : IRuntimeConfig
{
    private readonly PurpleEngine _engine;
    private readonly NodeSettings _settings;
    private readonly Lock _gate = new();
    private long _capacity;
    private EvictionPolicy _policy;
    private EvictionScope _scope;

    // --storage redis: memory and eviction are the Redis server's, so they are read from it and set there.
    private readonly IDataStore? _external;

    public NodeRuntimeConfig(PurpleEngine engine, NodeSettings settings, IDataStore? external = null)
    {
        _engine = engine;
        _settings = settings;
        _external = external;
        _capacity = settings.CapacityBytes;
        _policy = settings.Eviction;
        _scope = settings.Scope;
    }

    public IEnumerable<string> Names =>
        ["maxmemory", "maxmemory-policy", "databases", "bind", "port", "proto-max-bulk-len", "save", "appendonly", "appendfsync", "protected-mode"];

    public bool TryGet(string name, out string value)
    {
        lock (_gate)
        {
            value = name switch
            {
                "maxmemory" when _external is not null => _external.GetStats().CapacityBytes.ToString(CultureInfo.InvariantCulture),
                "maxmemory-policy" when _external is not null => _external.GetStats().EvictionPolicy,
                "maxmemory" => _capacity.ToString(CultureInfo.InvariantCulture),
                "maxmemory-policy" => _engine.GetStats().EvictionPolicy,
                "databases" => _settings.Databases.ToString(CultureInfo.InvariantCulture),
                "bind" => _settings.Address.ToString(),
                "port" => _settings.RespPort.ToString(CultureInfo.InvariantCulture),
                "proto-max-bulk-len" => _settings.ProtoMaxBulkLen.ToString(CultureInfo.InvariantCulture),
                // Tools such as redis-benchmark read these. Purple's journal is its AOF (docs/storage.md); it has no
                // save points (snapshots follow the journal's growth).
                "save" => "",
                "appendonly" => _settings.Storage is null ? "no" : "yes",
                "appendfsync" => _settings.Storage?.Fsync switch
                {
                    Purple.Storage.FsyncMode.Always => "always",
                    Purple.Storage.FsyncMode.No => "no",
                    _ => "everysec",
                },
                "protected-mode" => _settings.ProtectedMode ? "yes" : "no",
                _ => "",
            };
            return Names.Contains(name);
        }
    }

    public string? TrySet(string name, string value)
    {
        if (_external is not null && name is "maxmemory" or "maxmemory-policy")
        {
            return $"{name} is the Redis server's with --storage redis: set it there (CONFIG SET {name} on the Redis that --redis names)";
        }
        lock (_gate)
        {
            switch (name)
            {
                case "maxmemory":
                    if (!ByteSize.TryParse(value, out long bytes)) return "argument must be a memory value";
                    if (bytes == 0) return "maxmemory 0 (unlimited) is not supported; give a size";
                    _capacity = bytes;
                    break;
                case "maxmemory-policy":
                    if (!TryParsePolicy(value, out var policy, out var scope))
                    {
                        return "argument(s) must be one of the following: volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-weak, allkeys-weak, noeviction";
                    }
                    _policy = policy;
                    _scope = scope;
                    break;
                default:
                    return "can't set immutable config";
            }
            _engine.Reconfigure(_capacity, _policy, _scope);
            return null;
        }
    }

    internal static bool TryParsePolicy(string text, out EvictionPolicy policy, out EvictionScope scope)
    {
        policy = EvictionPolicy.None;
        scope = EvictionScope.Volatile;
        text = text.Trim().ToLowerInvariant();
        if (text == "noeviction") return true;
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0) return false;
        string prefix = text[..dash], name = text[(dash + 1)..];
        if (prefix == "allkeys") scope = EvictionScope.All;
        else if (prefix != "volatile") return false;
        switch (name)
        {
            case "lru": policy = EvictionPolicy.Lru; return true;
            case "lfu": policy = EvictionPolicy.Lfu; return true;
            case "weak": policy = EvictionPolicy.Weak; return true;
            default: return false;
        }
    }
}
