using Purple.Actors.Eviction;
using Purple.Actors.Storage;
using Purple.Actors.Supervision;
using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Actors;

/// <summary>
/// The in-memory engine (docs/engine.md): keys hashed onto shards, each shard a lock-guarded set of per-db
/// tables applied on the caller's thread, with a supervisor per shard for active expiry and background eviction,
/// whose cycles the engine's cron thread runs.
/// </summary>
public sealed partial class PurpleEngine : IDataStore, IAsyncDisposable
{
    private readonly Shard[] _shards;
    private readonly ulong _shardMask;
    private readonly int _shardBits;
    private readonly TimeProvider _time;
    private readonly long _epochMs;
    private readonly int _activeExpiryHz;
    private readonly bool _activeDefrag;
    private EvictionSettings _settings;
    private long _cas;

    /// <summary>Where applied writes are recorded (durable storage); null in memory mode, when nothing is recorded.</summary>
    internal IWriteJournal? Journal { get; }

    public PurpleEngine(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Journal = options.Journal;
        _cas = (long)options.InitialCas;
        if (options.Databases < 1) throw new ArgumentOutOfRangeException(nameof(options), "Databases must be at least 1.");
        if (options.Shards < 1 || options.Shards > 1024 || (options.Shards & (options.Shards - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Shards must be a power of two between 1 and 1024.");
        if (options.ActiveExpiryHz < 1 || options.ActiveExpiryHz > 500)
            throw new ArgumentOutOfRangeException(nameof(options), "ActiveExpiryHz must be between 1 and 500.");
        Databases = options.Databases;
        _time = options.Time;
        _epochMs = Now();
        _activeExpiryHz = options.ActiveExpiryHz;
        _activeDefrag = options.ActiveDefrag;
        _settings = new EvictionSettings(options.CapacityBytes, options.Eviction, options.Scope);
        _shards = new Shard[options.Shards];
        for (int i = 0; i < _shards.Length; i++) _shards[i] = new Shard(i, options.Databases, this);
        _shardMask = (ulong)options.Shards - 1;
        _shardBits = System.Numerics.BitOperations.Log2((uint)options.Shards);
        _supervisors = new ShardSupervisor[_shards.Length];
    }

    public int Databases { get; }

    /// <summary>Bytes charged for live entries (docs/engine.md, "Memory"). Weakly held entries do not count.</summary>
    public long UsedBytes
    {
        get
        {
            long sum = 0;
            foreach (var shard in _shards) sum += Volatile.Read(ref shard.UsedBytes);
            return sum;
        }
    }

    /// <summary>Candidates sampled per keyspace per eviction round (Redis maxmemory-samples). Tests raise it for exactness.</summary>
    internal int EvictionSamples { get; set; } = 5;

    internal EvictionSettings Settings => Volatile.Read(ref _settings);

    /// <summary>CONFIG SET maxmemory / maxmemory-policy at run time. Takes effect for the next write.</summary>
    public void Reconfigure(long capacityBytes, EvictionPolicy policy, EvictionScope scope)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        Volatile.Write(ref _settings, new EvictionSettings(capacityBytes, policy, scope));
    }

    internal ulong NextCas() => (ulong)Interlocked.Increment(ref _cas);

    /// <summary>LRU clock: ms since the engine started, modulo 2^32; idle times are computed with unsigned wrap.</summary>
    internal uint LruClock(long now) => unchecked((uint)(now - _epochMs));

    internal long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private (Shard Shard, uint Hash) Route(ReadOnlySpan<byte> key)
    {
        ulong hash = KeyHash.Hash64(key);
        return (_shards[(int)(hash & _shardMask)], HashNode.BucketHash(hash));
    }
}
