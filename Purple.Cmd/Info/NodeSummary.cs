using System.Globalization;

namespace Purple.Cmd.Info;

/// <summary>What `purple info` reports, read from a node's /metrics (series in docs/metrics.md).</summary>
internal sealed record NodeSummary(
    string Version,
    double UptimeSeconds,
    IReadOnlyDictionary<int, long> KeysPerDb,
    IReadOnlyDictionary<int, long> ExpiringPerDb,
    long UsedBytes,
    long CapacityBytes,
    long? ResidentBytes,
    long Hits,
    long Misses,
    string? EvictionPolicy,
    long EvictedKeys,
    long ExpiredKeys,
    long Commands,
    IReadOnlyDictionary<string, long> Connections,
    IReadOnlyDictionary<string, long> ConnectionsReceived,
    IReadOnlyList<ListenerSummary> Listeners)
{
    public long Keys => KeysPerDb.Values.Sum();

    public long ExpiringKeys => ExpiringPerDb.Values.Sum();

    /// <summary>hits / (hits + misses); null before the first read, when there is no ratio to speak of.</summary>
    public double? HitRatio => Hits + Misses == 0 ? null : (double)Hits / (Hits + Misses);

    /// <summary>Null when the text holds no purple_build_info: whatever answered is not a Purple node.</summary>
    public static NodeSummary? From(IReadOnlyList<PrometheusSample> samples)
    {
        var build = samples.FirstOrDefault(s => s.Name == "purple_build_info");
        if (build is null) return null;
        long Total(string name) => (long)samples.Where(s => s.Name == name).Sum(s => s.Value);
        return new NodeSummary(
            build.Labels.GetValueOrDefault("version", "unknown"),
            samples.FirstOrDefault(s => s.Name == "purple_uptime_seconds")?.Value ?? 0,
            ByDb(samples, "purple_keys"),
            ByDb(samples, "purple_keys_expiring"),
            Total("purple_memory_used_bytes"),
            Total("purple_memory_capacity_bytes"),
            samples.FirstOrDefault(s => s.Name == "process_resident_memory_bytes") is { } rss ? (long)rss.Value : null,
            Total("purple_keyspace_hits_total"),
            Total("purple_keyspace_misses_total"),
            samples.FirstOrDefault(s => s.Name == "purple_evicted_keys_total")?.Labels.GetValueOrDefault("policy"),
            Total("purple_evicted_keys_total"),
            Total("purple_expired_keys_total"),
            Total("purple_commands_total"),
            ByLabel(samples, "purple_connections", "protocol"),
            ByLabel(samples, "purple_connections_received_total", "protocol"),
            samples.Where(s => s.Name == "purple_listener_info")
                .Select(s => new ListenerSummary(s.Labels.GetValueOrDefault("protocol", "?"), s.Labels.GetValueOrDefault("address", "?"),
                    s.Labels.GetValueOrDefault("tls") == "true"))
                .OrderBy(l => Order(l.Protocol)).ToList());
    }

    private static SortedDictionary<int, long> ByDb(IEnumerable<PrometheusSample> samples, string name)
    {
        var result = new SortedDictionary<int, long>();
        foreach (var s in samples.Where(s => s.Name == name))
        {
            if (s.Labels.TryGetValue("db", out var db) && int.TryParse(db, NumberStyles.None, CultureInfo.InvariantCulture, out int n)) result[n] = (long)s.Value;
        }
        return result;
    }

    /// <summary>Protocols in the order the README lists them (resp, memcached, http, grpc); any other after them.</summary>
    private static SortedDictionary<string, long> ByLabel(IEnumerable<PrometheusSample> samples, string name, string label)
    {
        var result = new SortedDictionary<string, long>(Comparer<string>.Create((a, b) =>
            Order(a) != Order(b) ? Order(a).CompareTo(Order(b)) : string.CompareOrdinal(a, b)));
        foreach (var s in samples.Where(s => s.Name == name))
        {
            if (s.Labels.TryGetValue(label, out var value)) result[value] = (long)s.Value;
        }
        return result;
    }

    private static int Order(string protocol) => Array.IndexOf(Protocols, protocol) is var i and >= 0 ? i : Protocols.Length;

    private static readonly string[] Protocols = ["resp", "memcached", "http", "grpc"];
}

/// <summary>One listener the node reports in purple_listener_info.</summary>
internal sealed record ListenerSummary(string Protocol, string Address, bool Tls);
