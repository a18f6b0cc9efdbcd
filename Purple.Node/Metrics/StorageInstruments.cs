using System.Diagnostics.Metrics;
using Purple.Storage;

namespace Purple.Node.Metrics;

/// <summary>
/// Journal and snapshot series of a durable node (docs/metrics.md), on the node's <c>Purple</c> meter: observed from
/// the counters the commit and snapshot threads keep, so recording them costs those threads nothing extra.
/// </summary>
internal static class StorageInstruments
{
    public static void Register(Meter m, DurableStorage storage)
    {
        var journal = storage.Journal;
        m.CreateObservableCounter("purple.journal.records", () => Interlocked.Read(ref journal.RecordsWritten), "{record}", "Write records stored in the journal.");
        m.CreateObservableCounter("purple.journal.commits", () => Interlocked.Read(ref journal.Commits), "{commit}", "Group commits (one transaction each) appended to the journal.");
        m.CreateObservableCounter("purple.journal.fsyncs", () => Interlocked.Read(ref journal.Syncs), "{fsync}", "Times the journal was forced to disk (every commit under --fsync always).");
        m.CreateObservableCounter("purple.journal.written", () => Interlocked.Read(ref journal.BytesWritten), "By", "Bytes of records appended to the journal.");
        m.CreateObservableCounter("purple.journal.failures", () => Interlocked.Read(ref journal.Failures), "{failure}", "Journal writes or fsyncs that failed (each is retried).");
        m.CreateObservableUpDownCounter("purple.journal.backlog", () => Math.Max(0, journal.LastAssigned - journal.LastWritten), "{record}",
            "Records applied but not yet written to the journal.");
        m.CreateObservableCounter("purple.snapshots", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref storage.SnapshotsTaken), new KeyValuePair<string, object?>("result", "ok")),
            new Measurement<long>(Interlocked.Read(ref storage.SnapshotsFailed), new KeyValuePair<string, object?>("result", "failed")),
        }, "{snapshot}", "Snapshots taken, by result.");
        m.CreateObservableCounter("purple.snapshot.duration", () => storage.SnapshotSecondsTotal, "s", "Seconds spent taking snapshots (divide by purple_snapshots_total for the mean).");
        m.CreateObservableGauge("purple.snapshot.last_duration", () => storage.LastSnapshot?.Duration.TotalSeconds ?? 0, "s", "Duration of the latest snapshot.");
        m.CreateObservableGauge("purple.snapshot.changes", () => Math.Max(0, journal.LastAssigned - storage.LastSnapshotSequence), "{record}",
            "Writes since the latest snapshot (Redis rdb_changes_since_last_save).");
        m.CreateObservableGauge("purple.recovery.duration", () => storage.Recovery?.Duration.TotalSeconds ?? 0, "s", "How long recovery took at startup.");
        m.CreateObservableGauge("purple.recovery.records", () => storage.Recovery?.JournalRecords ?? 0, "{record}", "Journal records replayed at startup.");
    }

    /// <summary>Series of a --storage redis node (docs/metrics.md).</summary>
    public static void Register(Meter m, Purple.Storage.Redis.RedisDataStore redis)
    {
        m.CreateObservableCounter("purple.redis.connections", () => redis.Connections, "{connection}",
            "Connections opened to Redis (on a cluster, to any node), reconnects after failures included.");
        m.CreateObservableCounter("purple.redis.redirects", () => redis.Redirects, "{command}",
            "Commands sent again because a Redis Cluster node answered MOVED, ASK, TRYAGAIN or CLUSTERDOWN.");
        m.CreateObservableCounter("purple.redis.topology_refreshes", () => redis.TopologyRefreshes, "{refresh}",
            "Times the Redis Cluster slot map was read.");
        m.CreateObservableCounter("purple.redis.metadata_swept", () => Interlocked.Read(ref redis.MetaSwept), "{entry}",
            "Metadata entries (memcached flags, CAS) dropped because their key had expired or was deleted outside Purple.");
    }
}
