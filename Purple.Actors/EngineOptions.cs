namespace Purple.Actors;

/// <summary>How keys are chosen when memory is over capacity (Redis maxmemory-policy, plus <see cref="Weak"/>).</summary>
public enum EvictionPolicy { Lru, Lfu, Weak, None }

/// <summary>Which keys may be evicted: only those with a TTL (Redis volatile-*) or any (allkeys-*).</summary>
public enum EvictionScope { Volatile, All }

public sealed class EngineOptions
{
    public int Databases { get; init; } = 16;
    public long CapacityBytes { get; init; } = 1L << 30;
    public EvictionPolicy Eviction { get; init; } = EvictionPolicy.Lru;
    public EvictionScope Scope { get; init; } = EvictionScope.Volatile;
    /// <summary>Number of shards; a power of two.</summary>
    public int Shards { get; init; } = 16;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Active-expiry sweep cycles per second per shard.</summary>
    public int ActiveExpiryHz { get; init; } = 10;
    /// <summary>
    /// Compact and decommit the GC heap once the process goes idle after heavy allocation (docs/engine.md,
    /// "Active defrag"). Off for a host that cannot afford a blocking pause of ~2.5 ms per MB of live heap.
    /// </summary>
    public bool ActiveDefrag { get; init; } = true;

    /// <summary>Receives every applied write in apply order per key (durable storage); null in memory mode.</summary>
    public Purple.Core.Execution.IWriteJournal? Journal { get; init; }

    /// <summary>
    /// Where CAS numbering starts. Durable storage starts it from the clock (docs/storage.md) so that a CAS handed out
    /// after a restart never equals one a client kept from before it, since recovered items get new CAS values.
    /// </summary>
    public ulong InitialCas { get; init; }
}
