using Purple.Core.Execution;

namespace Purple.Actors;

public sealed partial class PurpleEngine
{
    public StoreStats GetStats()
    {
        var keysPerDb = new long[Databases];
        var expiresPerDb = new long[Databases];
        long evicted = 0, expired = 0, hits = 0, misses = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                for (int db = 0; db < Databases; db++)
                {
                    keysPerDb[db] += shard.KeyCount(db);
                    expiresPerDb[db] += shard.VolatileKeyCount(db);
                }
                evicted += shard.EvictedKeys;
                expired += shard.ExpiredKeys;
                hits += shard.Hits;
                misses += shard.Misses;
            }
        }
        var settings = Settings;
        return new StoreStats(UsedBytes, settings.CapacityBytes, keysPerDb.Sum(), keysPerDb, expiresPerDb,
            evicted, expired, hits, misses, PolicyName(settings), settings.Scope.ToString().ToLowerInvariant(),
            Interlocked.Read(ref _outOfMemoryRejections));
    }

    // Redis's maxmemory-policy spelling, so INFO reads as Redis users expect.
    private static string PolicyName(Eviction.EvictionSettings settings) => settings.Policy switch
    {
        EvictionPolicy.None => "noeviction",
        EvictionPolicy.Weak => settings.Scope == EvictionScope.All ? "allkeys-weak" : "volatile-weak",
        EvictionPolicy.Lfu => settings.Scope == EvictionScope.All ? "allkeys-lfu" : "volatile-lfu",
        _ => settings.Scope == EvictionScope.All ? "allkeys-lru" : "volatile-lru",
    };

    /// <summary>
    /// Key reads so far (hits + misses), read without the shard locks: a slightly stale sum is fine for
    /// deciding whether the node is idle, and taking every lock four times a second is not.
    /// </summary>
    internal long KeyReads()
    {
        long total = 0;
        foreach (var shard in _shards) total += Volatile.Read(ref shard.Hits) + Volatile.Read(ref shard.Misses);
        return total;
    }
}
