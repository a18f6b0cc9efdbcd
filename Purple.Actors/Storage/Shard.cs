using Purple.Actors.Eviction;

namespace Purple.Actors.Storage;

/// <summary>
/// The single owner of one slice of every database. All access happens under <see cref="Gate"/>, taken on the
/// caller's thread: a lookup is a few hundred nanoseconds, far cheaper than handing the command to another
/// thread. <see cref="Lock"/> is re-entrant, which <c>Atomically</c> relies on. Every way to an entry that may change
/// or remove it (the two finds, <see cref="Remove"/>, <see cref="Flush"/>) first lets a running snapshot capture take
/// the entry as it was (<c>Shard.Image.cs</c>).
/// </summary>
internal sealed partial class Shard
{
    public readonly Lock Gate = new();
    public readonly int Index;
    private readonly Keyspace?[] _keyspaces;
    private readonly PurpleEngine _engine;

    /// <summary>Bytes charged for live entries of this shard (MemoryCost formula). Written under the gate only.</summary>
    public long UsedBytes;
    public long Hits, Misses, ExpiredKeys, EvictedKeys;

    /// <summary>Drives LFU increments and eviction sampling; seeded per shard so replaying a command sequence is reproducible.</summary>
    public XorShift Rng;

    public Shard(int index, int databases, PurpleEngine engine)
    {
        Index = index;
        _keyspaces = new Keyspace?[databases];
        _engine = engine;
        Rng = new XorShift((ulong)index * 0x9E3779B97F4A7C15UL + 1);
    }

    public int Databases => _keyspaces.Length;

    public Keyspace? Space(int db) => _keyspaces[db];

    // Per-db tables are allocated on first write: 16 shards × 16 dbs of empty tables would otherwise cost for nothing.
    public Keyspace SpaceForWrite(int db) => _keyspaces[db] ??= new Keyspace(db);

    /// <summary>The live entry for a read: expired entries are deleted on the spot, weak copies resurrected if still alive.</summary>
    public Entry? FindForRead(int db, ReadOnlySpan<byte> key, uint hash, long now)
    {
        var space = _keyspaces[db];
        if (space is null) return null;
        var entry = (Entry?)space.Table.Find(key, hash);
        if (entry is not null)
        {
            if (!entry.IsExpired(now))
            {
                // Some callers change what they read (GETEX, memcached's leases): captured first, as for a write.
                CaptureBeforeChange(space, entry);
                return entry;
            }
            Expire(space, entry);
            return null;
        }
        return space.Weak is null ? null : Resurrect(space, key, hash, now);
    }

    /// <summary>
    /// The live entry for a write. A weak copy is dropped first, so a value demoted before this write can
    /// never come back after it.
    /// </summary>
    public Entry? FindForWrite(Keyspace space, ReadOnlySpan<byte> key, uint hash, long now)
    {
        var entry = (Entry?)space.Table.Find(key, hash);
        if (entry is not null)
        {
            if (!entry.IsExpired(now))
            {
                CaptureBeforeChange(space, entry);
                return entry;
            }
            Expire(space, entry);
            return null;
        }
        if (space.Weak?.Find(key, hash) is { } weak) space.Weak.Remove(weak);
        return null;
    }

    public Entry NewEntry(byte[] key, object value, long now)
    {
        var entry = new Entry(key, value)
        {
            Access = _engine.Settings.Policy == EvictionPolicy.Lfu ? LfuCounter.Initial(now) : _engine.LruClock(now),
        };
        entry.NewValue(_engine.NextCas());
        return entry;
    }

    public void Insert(Keyspace space, Entry entry, uint hash)
    {
        // A key that arrives while a snapshot's capture runs is not part of it (nor of a later one's capture so far).
        entry.ImageMark = _imageMark;
        space.WrittenWhileMissing(entry.Key);
        space.Table.Add(entry, hash);
        space.TrackExpiry(entry);
        UsedBytes += MemoryCost.Of(entry);
    }

    public void Remove(Keyspace space, Entry entry)
    {
        CaptureBeforeChange(space, entry);
        space.Table.Remove(entry);
        space.Untrack(entry);
        UsedBytes -= MemoryCost.Of(entry);
    }

    public void Expire(Keyspace space, Entry entry)
    {
        Remove(space, entry);
        ExpiredKeys++;
    }

    /// <summary>Records an access for LRU/LFU (reads and writes alike, as Redis does).</summary>
    public void Touch(Entry entry, long now)
    {
        entry.Access = _engine.Settings.Policy == EvictionPolicy.Lfu
            ? LfuCounter.Touch(entry.Access, now, ref Rng)
            : _engine.LruClock(now);
    }

    /// <summary>A read of the value: recency as <see cref="Touch"/>, and the item counts as fetched.</summary>
    public void TouchRead(Entry entry, long now)
    {
        Touch(entry, now);
        entry.MarkFetched();
    }

    /// <summary>Unix ms of the entry's last access, read back from its LRU clock or LFU stamp.</summary>
    public long LastAccessMs(Entry entry, long now) => _engine.Settings.Policy == EvictionPolicy.Lfu
        ? LfuCounter.LastAccessMs(entry.Access, now)
        : now - unchecked(_engine.LruClock(now) - entry.Access);

    public void CountLookup(Entry? entry)
    {
        if (entry is null) Misses++;
        else Hits++;
    }

    public long KeyCount(int db) => _keyspaces[db]?.Table.Count ?? 0;

    public long VolatileKeyCount(int db) => _keyspaces[db]?.VolatileCount ?? 0;

    public void Flush(int db)
    {
        var space = _keyspaces[db];
        if (space is null) return;
        foreach (var node in space.Table)
        {
            CaptureBeforeChange(space, (Entry)node);
            UsedBytes -= MemoryCost.Of((Entry)node);
        }
        space.Clear();
    }
}
