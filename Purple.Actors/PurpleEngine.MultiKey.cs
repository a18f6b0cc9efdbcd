using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors;

// Commands over several keys hold every involved shard for their whole duration, taken in ascending
// index order so two multi-key commands can never wait on each other in a cycle.
public sealed partial class PurpleEngine
{
    private int[] LockOrder(byte[][] keys)
    {
        var order = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++) order[i] = ShardIndexOf(keys[i]);
        Array.Sort(order);
        int distinct = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (distinct == 0 || order[distinct - 1] != order[i]) order[distinct++] = order[i];
        }
        return distinct == order.Length ? order : order[..distinct];
    }

    private int[] LockOrder(byte[] first, byte[] second) => LockOrder([first, second]);

    private void EnterAll(int[] order)
    {
        foreach (int index in order) _shards[index].Gate.Enter();
    }

    private void ExitAll(int[] order)
    {
        for (int i = order.Length - 1; i >= 0; i--) _shards[order[i]].Gate.Exit();
    }

    private int DeleteKeys(int db, byte[][] keys, long now)
    {
        if (keys.Length == 1)
        {
            var (shard, hash) = Route(keys[0]);
            lock (shard.Gate) return shard.DeleteKey(db, keys[0], hash, now) ? 1 : 0;
        }
        var order = LockOrder(keys);
        EnterAll(order);
        try
        {
            int deleted = 0;
            foreach (var key in keys)
            {
                var (shard, hash) = Route(key);
                if (shard.DeleteKey(db, key, hash, now)) deleted++;
            }
            return deleted;
        }
        finally
        {
            ExitAll(order);
        }
    }

    private ExecResult MSet(MSetCommand c, long now)
    {
        var order = LockOrder(c.Keys);
        EnterAll(order);
        try
        {
            if (c.OnlyIfNoneExist)
            {
                foreach (var key in c.Keys)
                {
                    var (shard, hash) = Route(key);
                    if (shard.FindForWrite(shard.SpaceForWrite(c.Db), key, hash, now) is not null)
                        return new ExecResult { Status = ExecStatus.NotPerformed, Integer = 0 };
                }
            }
            for (int i = 0; i < c.Keys.Length; i++)
            {
                var (shard, hash) = Route(c.Keys[i]);
                shard.Set(new SetCommand(c.Db, c.Keys[i], c.Values[i]), hash, now);
            }
            return ExecResult.Int(1);
        }
        finally
        {
            ExitAll(order);
        }
    }

    private ExecResult Rename(RenameCommand c, long now)
    {
        var order = LockOrder(c.Source, c.Destination);
        EnterAll(order);
        try
        {
            var (source, sourceHash) = Route(c.Source);
            var sourceSpace = source.Space(c.Db);
            var entry = sourceSpace is null ? null : source.FindForWrite(sourceSpace, c.Source, sourceHash, now);
            if (entry is null) return ExecResult.Fail(PurpleError.NoSuchKey);
            // Redis answers a rename onto itself without touching the key: OK, or 0 for RENAMENX.
            if (c.Source.AsSpan().SequenceEqual(c.Destination))
                return c.OnlyIfTargetMissing ? new ExecResult { Status = ExecStatus.NotPerformed } : ExecResult.Int(1);
            var (target, targetHash) = Route(c.Destination);
            var targetSpace = target.SpaceForWrite(c.Db);
            var existing = target.FindForWrite(targetSpace, c.Destination, targetHash, now);
            if (existing is not null)
            {
                if (c.OnlyIfTargetMissing) return new ExecResult { Status = ExecStatus.NotPerformed };
                target.Remove(targetSpace, existing);
            }
            // Move the entry object itself: value, TTL, metadata and access history go with it.
            source.Remove(sourceSpace!, entry);
            entry.Key = c.Destination;
            entry.Cas = NextCas();
            target.Insert(targetSpace, entry, targetHash);
            return ExecResult.Int(1);
        }
        finally
        {
            ExitAll(order);
        }
    }

    /// <param name="db">The database to empty, or -1 for all of them.</param>
    private void Flush(int db)
    {
        foreach (var shard in _shards) shard.Gate.Enter();
        try
        {
            foreach (var shard in _shards)
            {
                if (db >= 0) shard.Flush(db);
                else for (int i = 0; i < Databases; i++) shard.Flush(i);
            }
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
