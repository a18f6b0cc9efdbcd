using System.Diagnostics.Metrics;
using Purple.Core.Execution;
using Purple.Protocols.Metrics;

namespace Purple.Node.Metrics;

/// <summary>
/// The "Purple" meter: observable instruments over the node's own counters and the engine's statistics, so any
/// System.Diagnostics.Metrics consumer (our Prometheus exporter, dotnet-counters, OpenTelemetry) sees them.
/// Instruments are observed only when read; nothing here runs on the request path.
/// </summary>
public sealed class PurpleInstruments : IDisposable
{
    public const string MeterName = "Purple";

    private readonly IDataStore _store;
    private readonly NodeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;
    private readonly Lock _gate = new();
    private StoreStats? _stats;
    private long _statsAt = long.MinValue;

    /// <summary>One listener: its protocol, bound address (host:port) and whether it speaks TLS.</summary>
    public readonly record struct Listener(string Protocol, string Address, bool Tls);

    private Func<IEnumerable<Listener>> _listeners = () => [];

    /// <summary>The node's listeners, read when observed (their ports are known only once Kestrel has bound them).</summary>
    public void ListenersFrom(Func<IEnumerable<Listener>> listeners) => _listeners = listeners;

    private Func<(double PolledSeconds, long Caught, long Slept)?> _ioPoll = () => null;

    /// <summary>The epoll transport's polling (--io-poll), read when observed; nothing is reported without it.</summary>
    public void IoPollFrom(Func<(double PolledSeconds, long Caught, long Slept)?> ioPoll) => _ioPoll = ioPoll;

    public PurpleInstruments(IDataStore store, NodeMetrics metrics, string version, TimeProvider time)
    {
        _store = store;
        _metrics = metrics;
        _time = time;
        _startedAt = time.GetUtcNow();
        Meter = new Meter(MeterName, version);
        var m = Meter;
        m.CreateObservableGauge("purple.build_info", () => new Measurement<long>(1, new KeyValuePair<string, object?>("version", version)),
            description: "Always 1; the version label says which Purple is running.");
        m.CreateObservableGauge("purple.listener_info", () => _listeners().Select(l => new Measurement<long>(1,
                new("protocol", l.Protocol), new("address", l.Address), new("tls", l.Tls ? "true" : "false"))),
            description: "Always 1 per listener that is on: its protocol, bound address and whether it speaks TLS.");
        m.CreateObservableGauge("purple.uptime", () => (_time.GetUtcNow() - _startedAt).TotalSeconds, "s", "Seconds since the node started.");
        m.CreateObservableCounter("purple.commands", Commands, "{command}", "Commands (RESP, memcached), requests (HTTP) and calls (gRPC) served, by protocol and name.");
        m.CreateObservableUpDownCounter("purple.connections", () => PerProtocol(p => p.ConnectionsOpen), "{connection}", "Open client connections by protocol.");
        m.CreateObservableCounter("purple.connections.received", () => PerProtocol(p => p.ConnectionsTotal), "{connection}", "Client connections accepted by protocol.");
        m.CreateObservableCounter("purple.rejected", Rejections, "{request}", "Requests and connections refused, by protocol and reason.");
        m.CreateObservableCounter("purple.writes.rejected", () => new Measurement<long>(Stats.OutOfMemoryRejections,
                new KeyValuePair<string, object?>("reason", "out_of_memory")), "{write}", "Writes the engine refused, whatever the protocol: out of memory with nothing evictable.");
        m.CreateObservableCounter("purple.keyspace.hits", () => Stats.Hits, "{read}", "Key reads that found the key.");
        m.CreateObservableCounter("purple.keyspace.misses", () => Stats.Misses, "{read}", "Key reads that did not find the key.");
        m.CreateObservableUpDownCounter("purple.keys", () => PerDb(Stats.KeysPerDb), "{key}", "Keys by database.");
        m.CreateObservableUpDownCounter("purple.keys.expiring", () => PerDb(Stats.ExpiresPerDb), "{key}", "Keys with a TTL by database.");
        m.CreateObservableUpDownCounter("purple.memory.used", () => Stats.UsedBytes, "By", "Bytes the keyspace accounts for (keys, values, overhead).");
        m.CreateObservableUpDownCounter("purple.memory.capacity", () => Stats.CapacityBytes, "By", "The node's capacity (--capacity, CONFIG SET maxmemory).");
        m.CreateObservableCounter("purple.evicted_keys", () => new Measurement<long>(Stats.EvictedKeys,
                new KeyValuePair<string, object?>("policy", Stats.EvictionPolicy)), "{key}", "Keys evicted to make room, by the policy in force.");
        m.CreateObservableCounter("purple.expired_keys", () => Stats.ExpiredKeys, "{key}", "Keys removed because their TTL passed.");
        m.CreateObservableCounter("purple.io.poll.time", () => _ioPoll() is { } p ? [new Measurement<double>(p.PolledSeconds)] : Array.Empty<Measurement<double>>(),
            "s", "Seconds the epoll loops spent polling for work instead of sleeping (--io-poll): CPU spent for latency.");
        m.CreateObservableCounter("purple.io.wakeups", () => _ioPoll() is { } p
                ? [new Measurement<long>(p.Caught, new KeyValuePair<string, object?>("by", "poll")), new Measurement<long>(p.Slept, new KeyValuePair<string, object?>("by", "sleep"))]
                : Array.Empty<Measurement<long>>(),
            "{wait}", "With --io-poll on, the epoll loops' waits for work, by how they ended: a poll found it, or the loop slept until it came.");
    }

    public Meter Meter { get; }

    /// <summary>Makes the next read take fresh engine statistics (a scrape calls it first, so it never sees an older scrape's).</summary>
    public void Refresh()
    {
        lock (_gate) _stats = null;
    }

    /// <summary>The engine's statistics, taken at most every 200 ms: each takes every shard lock, and one scrape reads several instruments.</summary>
    private StoreStats Stats
    {
        get
        {
            lock (_gate)
            {
                long now = Environment.TickCount64;
                if (_stats is null || now - _statsAt > 200)
                {
                    _stats = _store.GetStats();
                    _statsAt = now;
                }
                return _stats;
            }
        }
    }

    private IEnumerable<Measurement<long>> Commands()
    {
        foreach (var protocol in _metrics.All)
            foreach (var c in protocol.Commands.Read())
                yield return new Measurement<long>(c.Count, new("protocol", protocol.Protocol), new("command", c.Command));
    }

    private IEnumerable<Measurement<long>> PerProtocol(Func<ProtocolMetrics, long> value) =>
        _metrics.All.Select(p => new Measurement<long>(value(p), new KeyValuePair<string, object?>("protocol", p.Protocol)));

    private IEnumerable<Measurement<long>> Rejections()
    {
        foreach (var protocol in _metrics.All)
        {
            foreach (var reason in Enum.GetValues<RejectReason>())
                yield return new Measurement<long>(protocol.RejectedCount(reason), new("protocol", protocol.Protocol), new("reason", ReasonLabel(reason)));
            foreach (var (reason, count) in protocol.ServerRejections)
                yield return new Measurement<long>(count, new("protocol", protocol.Protocol), new("reason", reason));
        }
    }

    public static string ReasonLabel(RejectReason reason) => reason switch
    {
        RejectReason.ProtocolError => "protocol_error",
        RejectReason.TooLarge => "too_large",
        RejectReason.Unauthenticated => "unauthenticated",
        RejectReason.MaxConnections => "max_connections",
        RejectReason.IdleTimeout => "idle_timeout",
        RejectReason.SlowConsumer => "slow_consumer",
        _ => reason.ToString().ToLowerInvariant(),
    };

    private static IEnumerable<Measurement<long>> PerDb(long[] perDb) =>
        perDb.Select((n, db) => new Measurement<long>(n, new KeyValuePair<string, object?>("db", db.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    public void Dispose() => Meter.Dispose();
}
