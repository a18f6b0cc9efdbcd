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
        _sweepCursors = new ulong[Databases];
        _sweeper = new Timer(_ => Sweep(batch), null, period, period);
    }

    /// <summary>One step of the walk over every database; returns the entries dropped.</summary>
    public long Sweep(int batch)
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return 0;
        long removed = 0;
        try
        {
            if (_cluster is not null) removed = ClusterSweep(batch);
            for (int db = 0; _cluster is null && db < Databases; db++)
            {
                var reply = Run(db, RedisScripts.SweepMeta, [], _sweepCursors[db], batch);
                if (reply.IsError) continue;
                _sweepCursors[db] = ulong.Parse(reply.Items![1].AsString(), System.Globalization.CultureInfo.InvariantCulture);
                removed += reply.Items[2].AsInteger();
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
