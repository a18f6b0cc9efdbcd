using Purple.Core.Execution;

namespace Purple.Storage.Redis;

// Metadata of keys that expired (or that other clients deleted) is found and dropped by a slow walk over each
// database's metadata hash, so a cache of short-lived keys does not leave an ever-growing hash behind.
public sealed partial class RedisDataStore
{
    private Timer? _sweeper;
    private ulong[] _sweepCursors = [];
    private int _sweeping;

    /// <summary>Metadata entries dropped because their key was gone.</summary>
    public long MetaSwept;

    /// <summary>Starts the walk: every <paramref name="period"/>, up to <paramref name="batch"/> entries per database.</summary>
    public void StartSweeper(TimeSpan period, int batch = 500)
    {
        _sweeper = new Timer(_ => Sweep(batch), null, period, period);
    }

    /// <summary>One HSCAN step over a metadata hash, and the entries whose key is gone dropped; returns the next cursor.</summary>
    private (ulong Next, long Dropped) SweepStep(int db, int slot, byte[] meta, ulong cursor, int batch)
    {
        var page = Send(db, slot, [["HSCAN", meta, cursor, "COUNT", batch]])[0];
        if (page.IsError) return (0, 0);
        ulong next = ulong.Parse(page.Items![0].AsString(), System.Globalization.CultureInfo.InvariantCulture);
        var entries = page.Items[1].Items!;
        if (entries.Length == 0) return (next, 0);
        var names = new byte[entries.Length / 2][];
        var seen = new object[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = entries[2 * i].Bulk!;
            seen[i] = entries[2 * i + 1].Bulk!;
        }
        return (next, DropMetaOfMissing(db, slot, names, seen));
    }

    /// <summary>Drops the metadata of those of <paramref name="names"/> whose key is gone and whose metadata is still
    /// what the walk saw (<paramref name="seen"/>); returns how many it dropped.</summary>
    internal long DropMetaOfMissing(int db, int slot, byte[][] names, object[] seen)
    {
        var reply = RunAt(db, slot, names, RedisScripts.DropMetaOfMissing, seen);
        return reply.IsError ? 0 : reply.Items![1].AsInteger();
    }

    /// <summary>One step of the walk over every database; returns the entries dropped.</summary>
    public long Sweep(int batch)
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return 0;
        long removed = 0;
        if (_sweepCursors.Length != Databases) _sweepCursors = new ulong[Databases];
        try
        {
            if (_cluster is not null) removed = ClusterSweep(batch);
            for (int db = 0; _cluster is null && db < Databases; db++)
            {
                (_sweepCursors[db], long dropped) = SweepStep(db, 0, MetaKeyBytes, _sweepCursors[db], batch);
                removed += dropped;
            }
        }
        catch (StorageException)
        {
            // Redis is away; the walk resumes when it is back.
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
        Interlocked.Add(ref MetaSwept, removed);
        return removed;
    }
}
