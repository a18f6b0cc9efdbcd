using Purple.Actors.Supervision;

namespace Purple.Actors;

public sealed partial class PurpleEngine
{
    private readonly ShardSupervisor[] _supervisors;
    private Timer? _ticker;
    private ActiveDefrag? _defrag;
    private int _started;

    /// <summary>Starts the per-shard supervisors (active expiry, weak pruning, background eviction). Idempotent.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        for (int i = 0; i < _shards.Length; i++)
        {
            _supervisors[i] = new ShardSupervisor(_shards[i], this, _activeExpiryHz);
            _supervisors[i].Start();
        }
        // Real time, not options.Time: the cadence of the sweep is a CPU budget, while what counts as expired
        // is decided by options.Time inside each cycle (so a fake clock still drives expiry in tests).
        var period = TimeSpan.FromMilliseconds(1000.0 / _activeExpiryHz);
        _ticker = new Timer(_ => PostTick(), null, period, period);
        if (_activeDefrag) _defrag = new ActiveDefrag(KeyReads);
    }

    private void PostTick()
    {
        foreach (var supervisor in _supervisors) supervisor?.Post(SupervisorSignal.Tick);
    }

    /// <summary>Evicts while over capacity (e.g. after Reconfigure lowered it), bounded by a time budget.</summary>
    internal void EvictInBackground(long now, long budgetTicks)
    {
        if (Settings.Policy != EvictionPolicy.None) EnsureCapacity(now, budgetTicks);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ticker is not null) await _ticker.DisposeAsync().ConfigureAwait(false);
        if (_defrag is not null) await _defrag.DisposeAsync().ConfigureAwait(false);
        foreach (var supervisor in _supervisors)
        {
            if (supervisor is not null) await supervisor.StopAsync().ConfigureAwait(false);
        }
    }
}
