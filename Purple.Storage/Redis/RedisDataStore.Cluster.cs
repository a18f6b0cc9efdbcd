using System.Globalization;
using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

// What a Redis Cluster needs beyond routing each key to its slot's owner: operations over the whole keyspace (KEYS,
// SCAN, DBSIZE, FLUSHDB, INFO, the metadata walk) go to every master, and Purple's databases are key prefixes
// (RedisKeyName), so they are filtered and counted by prefix. docs/storage.md, "Redis Cluster".
public sealed partial class RedisDataStore
{
    // A SCAN cursor over the cluster: the master's position in the low bits, that master's own cursor above them.
    private const int MasterBits = 10;

    private byte[] NamePattern(int db, ReadOnlySpan<byte> pattern) => [.. RedisKeyName.EscapeGlob(RedisKeyName.Prefix(db)), .. pattern];

    private List<byte[]> ClusterKeys(int db, ReadOnlySpan<byte> pattern)
    {
        var keys = new List<byte[]>();
        foreach (var (_, reply) in _cluster!.OnEachMaster("KEYS", NamePattern(db, pattern)))
        {
            foreach (var name in Check(reply).Items!)
            {
                if (RedisKeyName.KeyOf(db, name.Bulk!) is { } key) keys.Add(key);
            }
        }
        return keys;
    }

    private ulong ClusterScan(int db, ulong cursor, ReadOnlySpan<byte> pattern, int count, DataType typeFilter, List<byte[]> output)
    {
        var masters = _cluster!.Masters();
        int index = (int)(cursor & ((1UL << MasterBits) - 1));
        ulong nodeCursor = cursor >> MasterBits;
        var namePattern = NamePattern(db, pattern);
        int before = output.Count;
        while (index < masters.Length)
        {
            var reply = Check(masters[index].Pipeline(0, [ScanArgs(nodeCursor, namePattern, count, typeFilter)])[0]);
            foreach (var name in reply.Items![1].Items!)
            {
                if (RedisKeyName.KeyOf(db, name.Bulk!) is { } key) output.Add(key);
            }
            nodeCursor = ulong.Parse(reply.Items[0].AsString(), CultureInfo.InvariantCulture);
            if (nodeCursor != 0)
            {
                if (nodeCursor >> (64 - MasterBits) != 0) throw new StorageUnavailableException("redis cluster: a node's SCAN cursor is too large to combine");
                return (nodeCursor << MasterBits) | (uint)index;
            }
            index++;
            // A master with nothing (more) to give: go on to the next in the same call rather than hand back an empty
            // page, so an empty database ends its SCAN at once, as on one Redis.
            if (output.Count > before) break;
        }
        return index < masters.Length ? (ulong)index : 0;
    }

    /// <summary>Walks every master's keys matching <paramref name="namePattern"/> with SCAN, a page at a time.</summary>
    private void ScanMasters(byte[] namePattern, Action<RedisClient, IEnumerable<byte[]>> page)
    {
        foreach (var master in _cluster!.Masters())
        {
            ulong cursor = 0;
            do
            {
                var reply = Check(master.Pipeline(0, [["SCAN", cursor, "MATCH", namePattern, "COUNT", 1000]])[0]);
                page(master, reply.Items![1].Items!.Select(n => n.Bulk!));
                cursor = ulong.Parse(reply.Items[0].AsString(), CultureInfo.InvariantCulture);
            }
            while (cursor != 0);
        }
    }

    private long CountMatching(byte[] namePattern, Func<byte[], bool> accept)
    {
        long count = 0;
        ScanMasters(namePattern, (_, names) => count += names.Count(accept));
        return count;
    }

    private long ClusterDbSize(int db)
    {
        // Counted name by name, for database 0 too. Redis's DBSIZE less the reserved names (walked with SCAN) was not
        // exact: keys of other databases expiring between the two counts, and metadata hashes the walks of every front
        // end delete, showed as keys (a flushed database answered 1 to 37). MATCH does not make the walk cheaper:
        // Redis visits every key either way.
        return CountMatching(NamePattern(db, "*"u8), name => RedisKeyName.KeyOf(db, name) is not null);
    }

    private StoreStats ClusterStats()
    {
        var infos = _cluster!.Masters().Select(m => RedisInfo.Parse(InfoText(m.Pipeline(0, InfoCommands)))).ToList();
        var keys = new long[Databases];
        var expires = new long[Databases];
        // INFO counts keys per Redis database, and a cluster has one: the key count of every Purple database is
        // reported under database 0 here (DBSIZE of each database is exact). Documented in docs/storage.md.
        foreach (var info in infos)
        {
            var (k, e) = info.Keyspace(0);
            keys[0] += k;
            expires[0] += e;
        }
        string policy = infos.FirstOrDefault()?.Get("maxmemory_policy") ?? "noeviction";
        long capacity = infos.All(i => i.Long("maxmemory") > 0)
            ? infos.Sum(i => i.Long("maxmemory"))
            : infos.Select(i => i.Long("total_system_memory")).DefaultIfEmpty(0).Max();
        return new StoreStats(infos.Sum(i => i.Long("used_memory")), capacity, keys.Sum(), keys, expires,
            infos.Sum(i => i.Long("evicted_keys")), infos.Sum(i => i.Long("expired_keys")), infos.Sum(i => i.Long("keyspace_hits")),
            infos.Sum(i => i.Long("keyspace_misses")), policy, policy.StartsWith("allkeys", StringComparison.Ordinal) ? "all" : "volatile");
    }

    private ExecResult ClusterFlush(int from, int to)
    {
        if (from == 0 && to == Databases)
        {
            // Every Purple database is the whole cluster keyspace (as FLUSHALL over one Redis flushes Purple's databases).
            foreach (var (node, reply) in _cluster!.OnEachMaster("FLUSHALL"))
            {
                if (reply.IsError) throw new StorageUnavailableException($"redis {node.Endpoint} refused FLUSHALL: {reply.Text}");
            }
            return ExecResult.Ok();
        }
        for (int db = from; db < to; db++)
        {
            // Not atomic across the cluster (nothing is): keys written meanwhile may survive. Their metadata goes with
            // the metadata walk.
            ScanMasters(NamePattern(db, "*"u8), (master, names) =>
            {
                var doomed = names.Where(n => RedisKeyName.KeyOf(db, n) is not null).Select(n => (IReadOnlyList<object>)["UNLINK", n]).ToList();
                if (doomed.Count > 0) master.Pipeline(0, doomed);
            });
        }
        return ExecResult.Ok();
    }

    private readonly Dictionary<string, ulong> _metaScans = new(StringComparer.Ordinal);

    /// <summary>One step of the metadata walk on a cluster: a few metadata hashes per master, each walked whole.</summary>
    private long ClusterSweep(int batch)
    {
        long removed = 0;
        foreach (var master in _cluster!.Masters())
        {
            string id = master.Endpoint.ToString();
            ulong cursor = _metaScans.GetValueOrDefault(id);
            var reply = master.Pipeline(0, [["SCAN", cursor, "MATCH", RedisKeyName.MetaPattern, "COUNT", 100, "TYPE", "hash"]])[0];
            if (reply.IsError) continue;
            _metaScans[id] = ulong.Parse(reply.Items![0].AsString(), CultureInfo.InvariantCulture);
            foreach (var hash in reply.Items[1].Items!)
            {
                int slot = RedisSlot.Of(hash.Bulk!);
                ulong fields = 0;
                do
                {
                    (fields, long dropped) = SweepStep(0, slot, hash.Bulk!, fields, batch);
                    removed += dropped;
                }
                while (fields != 0);
            }
        }
        return removed;
    }
}
