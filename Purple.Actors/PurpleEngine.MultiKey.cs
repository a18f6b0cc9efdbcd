using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors;

// Commands over several keys hold every involved shard for their whole duration, taken in ascending
// index order so two multi-key commands can never wait on each other in a cycle.
public sealed partial class PurpleEngine
{
    /// <summary>Each key's shard and bucket hash, computed once per command (hashing is the per-key cost that repeats).</summary>
    private (Shard Shard, uint Hash)[] RouteAll(byte[][] keys)
    {
        var routes = new (Shard Shard, uint Hash)[keys.Length];
        for (int i = 0; i < keys.Length; i++) routes[i] = Route(keys[i]);
        return routes;
    }

    private static int[] LockOrder((Shard Shard, uint Hash)[] routes)
    {
        var order = new int[routes.Length];
        int distinct = LockOrder(routes, order);
        return distinct == order.Length ? order : order[..distinct];
    }

    /// <summary>The distinct shard indexes of <paramref name="routes"/>, ascending, into <paramref name="order"/>; returns how many.</summary>
    private static int LockOrder(ReadOnlySpan<(Shard Shard, uint Hash)> routes, Span<int> order)
    {
        for (int i = 0; i < routes.Length; i++) order[i] = routes[i].Shard.Index;
        order = order[..routes.Length];
        order.Sort();
        int distinct = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (distinct == 0 || order[distinct - 1] != order[i]) order[distinct++] = order[i];
        }
        return distinct;
    }

    /// <summary>
    /// Asks for every key's bucket slot, then entry, then key and value bytes, one level for all keys at a time
    /// (<see cref="CachePrefetch"/>), so the per-key loop that follows finds them in cache. Called under the locks.
    /// </summary>
    private static void Prefetch(int db, ReadOnlySpan<(Shard Shard, uint Hash)> routes)
    {
        if (routes.Length < 2) return;
        for (int step = 0; step < PrefetchSteps; step++)
        {
            foreach (var (shard, hash) in routes) PrefetchStep(shard, db, hash, step);
        }
    }

    private const int PrefetchSteps = 3;

    /// <summary>One level of a key's lookup: 0 the bucket slot, 1 the chain's first entry, 2 its key and value bytes.</summary>
    private static void PrefetchStep(Shard shard, int db, uint hash, int step)
    {
        var table = shard.Space(db)?.Table;
        if (table is null) return;
        if (step == 0) table.PrefetchBucket(hash);
        // Not through a type test: that reads the entry's header, the very miss this step only asks for.
        else if (step == 1) CachePrefetch.Object(table.BucketHead(hash));
        else if (table.BucketHead(hash) is Entry head)
        {
            CachePrefetch.Object(head.Key);
            CachePrefetch.Object(head.Value);
        }
    }

    private void EnterAll(ReadOnlySpan<int> order)
    {
        foreach (int index in order) _shards[index].Gate.Enter();
    }

    private void ExitAll(ReadOnlySpan<int> order)
    {
        for (int i = order.Length - 1; i >= 0; i--) _shards[order[i]].Gate.Exit();
    }

    private int DeleteKeys(int db, byte[][] keys, long now)
    {
        if (keys.Length == 1)
        {
            var (shard, hash) = Route(keys[0]);
            lock (shard.Gate)
            {
                bool deleted = shard.DeleteKey(db, keys[0], hash, now);
                Journal?.Record(now, new DeleteCommand(db, keys));
                return deleted ? 1 : 0;
            }
        }
        var routes = RouteAll(keys);
        var order = LockOrder(routes);
        EnterAll(order);
        try
        {
            Prefetch(db, routes);
            int deleted = 0;
            for (int i = 0; i < keys.Length; i++)
            {
                var (shard, hash) = routes[i];
                if (shard.DeleteKey(db, keys[i], hash, now)) deleted++;
            }
            Journal?.Record(now, new DeleteCommand(db, keys));
            return deleted;
        }
        finally
        {
            ExitAll(order);
        }
    }

    private ExecResult MSet(MSetCommand c, long now, bool adoptValues = false) =>
        MSet(c.Db, KeyValueList.Of(c.Keys, c.Values), c.OnlyIfNoneExist, now, adoptValues, c, default);

    /// <summary>MSET from a command (journaled as <paramref name="command"/>) or from a request's spans (journaled as
    /// <paramref name="record"/>). Its routes and lock order live in pooled arrays, so a command over keys that exist
    /// allocates nothing.</summary>
    private ExecResult MSet(int db, scoped KeyValueList pairs, bool onlyIfNoneExist, long now, bool adoptValues, MSetCommand? command,
        scoped in EncodedRecord record)
    {
        int count = pairs.Count;
        var routePool = System.Buffers.ArrayPool<(Shard Shard, uint Hash)>.Shared;
        var orderPool = System.Buffers.ArrayPool<int>.Shared;
        var routeArray = routePool.Rent(count);
        var orderArray = orderPool.Rent(count);
        try
        {
            var routes = routeArray.AsSpan(0, count);
            for (int i = 0; i < count; i++) routes[i] = Route(pairs.Key(i));
            var order = orderArray.AsSpan(0, LockOrder(routes, orderArray));
            EnterAll(order);
            try
            {
                Prefetch(db, routes);
                if (onlyIfNoneExist)
                {
                    for (int i = 0; i < count; i++)
                    {
                        var (shard, hash) = routes[i];
                        if (shard.FindForWrite(shard.SpaceForWrite(db), pairs.Key(i), hash, now) is not null)
                            return new ExecResult { Status = ExecStatus.NotPerformed, Integer = 0 };
                    }
                }
                for (int i = 0; i < count; i++)
                {
                    var (shard, hash) = routes[i];
                    shard.SetPlain(shard.SpaceForWrite(db), pairs.Write(i, adoptValues), hash, now);
                }
                if (command is not null) Journal?.Record(now, command);
                else record.Submit(now);
                return ExecResult.Int(1);
            }
            finally
            {
                ExitAll(order);
            }
        }
        finally
        {
            routePool.Return(routeArray);
            orderPool.Return(orderArray);
        }
    }

    private ExecResult Rename(RenameCommand c, long now)
    {
        var sourceRoute = Route(c.Source);
        var targetRoute = Route(c.Destination);
        var order = LockOrder([sourceRoute, targetRoute]);
        EnterAll(order);
        try
        {
            var (source, sourceHash) = sourceRoute;
            var sourceSpace = source.Space(c.Db);
            var entry = sourceSpace is null ? null : source.FindForWrite(sourceSpace, c.Source, sourceHash, now);
            if (entry is null) return ExecResult.Fail(PurpleError.NoSuchKey);
            // Redis answers a rename onto itself without touching the key: OK, or 0 for RENAMENX.
            if (c.Source.AsSpan().SequenceEqual(c.Destination))
                return c.OnlyIfTargetMissing ? new ExecResult { Status = ExecStatus.NotPerformed } : ExecResult.Int(1);
            var (target, targetHash) = targetRoute;
            var targetSpace = target.SpaceForWrite(c.Db);
            var existing = target.FindForWrite(targetSpace, c.Destination, targetHash, now);
            if (existing is not null)
            {
                if (c.OnlyIfTargetMissing) return new ExecResult { Status = ExecStatus.NotPerformed };
                target.Remove(targetSpace, existing);
            }
            // Move the entry object itself: value, TTL, metadata, access history and item state go with it.
            source.Remove(sourceSpace!, entry);
            entry.Key = c.Destination;
            entry.NewVersion(NextCas());
            target.Insert(targetSpace, entry, targetHash);
            return ExecResult.Int(1);
        }
        finally
        {
            // Every outcome is recorded (replay reaches the same one); still under both locks.
            Journal?.Record(now, c);
            ExitAll(order);
        }
    }

    /// <param name="db">The database to empty, or -1 for all of them.</param>
    private void Flush(int db, WriteCommand command, long now)
    {
        foreach (var shard in _shards) shard.Gate.Enter();
        try
        {
            foreach (var shard in _shards)
            {
                if (db >= 0) shard.Flush(db);
                else for (int i = 0; i < Databases; i++) shard.Flush(i);
            }
            Journal?.Record(now, command);
        }
        finally
        {
            for (int i = _shards.Length - 1; i >= 0; i--) _shards[i].Gate.Exit();
        }
    }

    public T Atomically<T>(Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        foreach (var shard in _shards) shard.Gate.Enter();
        try
        {
            return body();
        }
        finally
        {
            for (int i = _shards.Length - 1; i >= 0; i--) _shards[i].Gate.Exit();
        }
    }
}
