using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Actors;

// Key reads. Each takes the clock for lazy expiry, then the owning shard's lock on the caller's thread.
public sealed partial class PurpleEngine
{
    public ReadStatus TryGet(int db, ReadOnlySpan<byte> key, out StringItem item)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var entry = shard.FindForRead(db, key, hash, now);
            shard.CountLookup(entry);
            item = default;
            if (entry is null) return ReadStatus.Missing;
            shard.TouchRead(entry, now);
            if (!entry.IsString) return ReadStatus.WrongType;
            item = entry.ToItem();
            return ReadStatus.Found;
        }
    }

    public ReadStatus ReadString(int db, ReadOnlySpan<byte> key, object state, System.Buffers.ReadOnlySpanAction<byte, object> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return ReadUnderLock(db, key, new SpanReader(read, state));
    }

    public ReadStatus ReadItem(int db, ReadOnlySpan<byte> key, object state, StringItemReader read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return ReadUnderLock(db, key, new ItemReader(read, state));
    }

    /// <summary>GET's lookup, with the string handed to <paramref name="reader"/> under the shard's lock, so its bytes
    /// cannot be overwritten in place while they are read and nothing is handed out (docs/engine.md).</summary>
    private ReadStatus ReadUnderLock<TReader>(int db, ReadOnlySpan<byte> key, TReader reader) where TReader : struct, IEntryReader
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var entry = shard.FindForRead(db, key, hash, now);
            shard.CountLookup(entry);
            if (entry is null) return ReadStatus.Missing;
            shard.TouchRead(entry, now);
            if (!entry.IsString) return ReadStatus.WrongType;
            reader.Read(key, entry);
            return ReadStatus.Found;
        }
    }

    private interface IEntryReader
    {
        void Read(ReadOnlySpan<byte> key, Entry entry);
    }

    private readonly struct SpanReader(System.Buffers.ReadOnlySpanAction<byte, object> read, object state) : IEntryReader
    {
        public void Read(ReadOnlySpan<byte> key, Entry entry) => read(entry.StringSpan, state);
    }

    private readonly struct ItemReader(StringItemReader read, object state) : IEntryReader
    {
        public void Read(ReadOnlySpan<byte> key, Entry entry) => read(key, entry.StringSpan, entry.ClientFlags, entry.Cas, state);
    }

    public ReadStatus TryGetItem(int db, ReadOnlySpan<byte> key, ItemReadOptions options, out StringItem item, out ItemAccess access)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var entry = shard.FindForRead(db, key, hash, now);
            if ((options & ItemReadOptions.NoStats) == 0) shard.CountLookup(entry);
            item = default;
            access = default;
            if (entry is null) return ReadStatus.Missing;
            bool touch = (options & ItemReadOptions.NoTouch) == 0;
            if (!entry.IsString)
            {
                if (touch) shard.Touch(entry, now);
                return ReadStatus.WrongType;
            }
            // Read before the touch: the caller wants how the item had been used before this request.
            access = new ItemAccess(shard.LastAccessMs(entry, now), entry.State);
            if (touch) shard.TouchRead(entry, now);
            item = entry.ToItem();
            return ReadStatus.Found;
        }
    }

    public void PrefetchKeys(int db, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> keys)
    {
        // Bounded because the routes live on the stack.
        int count = Math.Min(keys.Length, IDataStore.MaxPrefetchKeys);
        if (count < 2 || (uint)db >= (uint)Databases) return;
        // Without the shards' locks: every step only reads, and a stale read costs a wasted fetch (HashTable.PrefetchBucket).
        Span<(int Shard, uint Hash)> routes = stackalloc (int, uint)[count];
        for (int i = 0; i < count; i++)
        {
            ulong hash = KeyHash.Hash64(buffer[keys[i]]);
            routes[i] = ((int)(hash & _shardMask), HashNode.BucketHash(hash));
        }
        for (int step = 0; step < PrefetchSteps; step++)
        {
            foreach (var (shard, hash) in routes) PrefetchStep(_shards[shard], db, hash, step);
        }
    }

    public bool PrefetchMembers(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> members)
    {
        if ((uint)db >= (uint)Databases) return false;
        var (shard, hash) = Route(key);
        // Under the lock, unlike PrefetchKeys: one shard, and a set's table is walked two levels down.
        lock (shard.Gate)
        {
            // Checked before hashing the arguments: a one-key pipeline of SETs hands its values here, to be turned down.
            if (shard.Space(db)?.Table.Find(key, hash) is not Entry { Value: MemberSet set }) return false;
            Span<uint> hashes = stackalloc uint[Math.Min(members.Length, IDataStore.MaxPrefetchKeys)];
            for (int i = 0; i < hashes.Length; i++) hashes[i] = HashNode.BucketHash(KeyHash.Hash64(buffer[members[i]]));
            for (int step = 0; step < PrefetchSteps; step++)
            {
                foreach (uint member in hashes) set.PrefetchStep(member, step);
            }
            return true;
        }
    }

    public byte[]?[] GetMany(int db, byte[][] keys)
    {
        long now = Now();
        var values = new byte[]?[keys.Length];
        var routes = RouteAll(keys);
        var order = LockOrder(routes);
        EnterAll(order);
        try
        {
            Prefetch(db, routes);
            for (int i = 0; i < keys.Length; i++)
            {
                var (shard, hash) = routes[i];
                var entry = shard.FindForRead(db, keys[i], hash, now);
                shard.CountLookup(entry);
                if (entry is null) continue;
                shard.TouchRead(entry, now);
                values[i] = entry.IsString ? entry.ShareString() : null;
            }
        }
        finally
        {
            ExitAll(order);
        }
        return values;
    }

    public long Exists(int db, byte[][] keys)
    {
        long now = Now();
        var routes = RouteAll(keys);
        var order = LockOrder(routes);
        EnterAll(order);
        try
        {
            Prefetch(db, routes);
            long count = 0;
            for (int i = 0; i < keys.Length; i++)
            {
                var (shard, hash) = routes[i];
                if (shard.FindForRead(db, keys[i], hash, now) is not null) count++;
            }
            return count;
        }
        finally
        {
            ExitAll(order);
        }
    }

    // TYPE and TTL are metadata reads: like Redis's LOOKUP_NOTOUCH they neither count as hits nor refresh recency.
    public DataType TypeOf(int db, ReadOnlySpan<byte> key)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var entry = shard.FindForRead(db, key, hash, now);
            return entry is null ? DataType.None : entry.IsString ? DataType.String : DataType.Set;
        }
    }

    public long GetExpiresAt(int db, ReadOnlySpan<byte> key)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var entry = shard.FindForRead(db, key, hash, now);
            return entry is null ? -2 : entry.ExpiresAt == 0 ? -1 : entry.ExpiresAt;
        }
    }

    public ulong KeyVersion(int db, ReadOnlySpan<byte> key)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate) return shard.FindForRead(db, key, hash, now)?.Cas ?? 0;
    }

    public KeyWatch Watch(int db, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var entry = shard.FindForRead(db, key, hash, now);
            if (entry is not null) return new VersionWatch(this, db, key, entry.Cas);
            var space = shard.SpaceForWrite(db);
            return new MissingKeyWatch(shard.Gate, space.WatchedMissing ??= new WatchedMissingKeys(), key, () => KeyVersion(db, key) != 0);
        }
    }

    /// <summary>How many keys of <paramref name="db"/> are registered for watches while missing, for tests.</summary>
    internal int WatchedMissingKeysForTest(int db) => _shards.Sum(shard =>
    {
        lock (shard.Gate) return shard.Space(db)?.WatchedMissing?.Count ?? 0;
    });

    /// <summary>The stored entry object, for tests that must keep a weakly held entry alive.</summary>
    internal object? FindEntryForTest(int db, ReadOnlySpan<byte> key)
    {
        var (shard, hash) = Route(key);
        lock (shard.Gate) return shard.Space(db)?.Table.Find(key, hash);
    }
}
