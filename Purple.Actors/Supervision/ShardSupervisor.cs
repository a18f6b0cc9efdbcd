using System.Diagnostics;
using Purple.Actors.Storage;

namespace Purple.Actors.Supervision;

/// <summary>
/// A shard's background work: its active expiry sweep and weak-table pruning, one cycle per tick of the engine's
/// cron thread (<see cref="EngineCron"/>), which runs the shards' cycles one after another and then the engine-wide
/// background eviction.
/// </summary>
internal sealed class ShardSupervisor
{
    internal static readonly long CycleBudgetTicks = Stopwatch.Frequency / 1000;

    private readonly Shard _shard;
    private readonly PurpleEngine _engine;
    private readonly int _ticksPerPrune;
    private int _ticks;

    public ShardSupervisor(Shard shard, PurpleEngine engine, int hz)
    {
        _shard = shard;
        _engine = engine;
        _ticksPerPrune = hz;
    }

    /// <summary>Cron thread only.</summary>
    public void RunCycle()
    {
        try
        {
            long now = _engine.Now();
            _shard.SweepExpired(now, CycleBudgetTicks);
            if (++_ticks % _ticksPerPrune == 0)
            {
                lock (_shard.Gate) _shard.PruneWeak(now);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A supervisor must outlive a bad cycle; the next tick retries. Nothing to log values with here.
            Trace.TraceError($"Shard {_shard.Index} supervisor cycle failed: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
