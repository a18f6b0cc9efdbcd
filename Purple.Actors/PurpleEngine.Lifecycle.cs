using Purple.Actors.Supervision;

namespace Purple.Actors;

public sealed partial class PurpleEngine
{
    private readonly ShardSupervisor[] _supervisors;
    private EngineCron? _cron;
    private int _started;

    /// <summary>
    /// Starts the engine's cron thread: the shard supervisors' cycles (active expiry, weak pruning) and background
    /// eviction <c>ActiveExpiryHz</c> times a second, and the defrag check. Idempotent.
    /// </summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        for (int i = 0; i < _shards.Length; i++) _supervisors[i] = new ShardSupervisor(_shards[i], this, _activeExpiryHz);
        // Real time, not options.Time: the cadence of the sweep is a CPU budget, while what counts as expired
        // is decided by options.Time inside each cycle (so a fake clock still drives expiry in tests).
        var jobs = new List<(TimeSpan, Action)> { (TimeSpan.FromMilliseconds(1000.0 / _activeExpiryHz), RunSupervisors) };
        if (_activeDefrag) jobs.Add((ActiveDefrag.Period, new ActiveDefrag(KeyReads).Check));
        _cron = new EngineCron("purple-cron", jobs.ToArray());
        _cron.Start();
    }

    /// <summary>Runs of the cron's jobs so far (0 before <see cref="Start"/>).</summary>
    internal long CronCycles => _cron?.Cycles ?? 0;

    private void RunSupervisors()
    {
        foreach (var supervisor in _supervisors) supervisor.RunCycle();
        // Over capacity (e.g. after Reconfigure lowered it): eviction samples every shard, so it runs once per tick,
        // with the time budget the shards' cycles had between them when each called it.
        if (Settings.Policy != EvictionPolicy.None) EnsureCapacity(Now(), ShardSupervisor.CycleBudgetTicks * _shards.Length);
    }

    public ValueTask DisposeAsync()
    {
        _cron?.Dispose();
        return ValueTask.CompletedTask;
    }
}
