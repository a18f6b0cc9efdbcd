using System.Runtime;

namespace Purple.Storage;

/// <summary>
/// Keeps the garbage collector out of recovery while it stays under a budget. Recovery builds every key's
/// objects, which all survive: collections during it copy them from generation to generation and scan the
/// shards' tables that point at them, about half of a journal replay's time (docs/performance.md). With no
/// collection until the budget is spent, a 1,000,000-key replay measured 1.2–1.5 s instead of 1.8–2.0 s.
/// Past the budget the runtime simply collects again, so a recovery larger than it only gains less.
/// The cost is the recovery's garbage (decoded records and snapshot chunks), left for the first collection after
/// it: measured on 1,000,000 keys, RSS right after recovery was 480–550 MB instead of 380–420 MB, and back to the
/// same ~320 MB after the first seconds of traffic, with no long pause in that traffic (max latency 15 ms). Forcing a
/// collection at the end of recovery instead cost 230–420 ms before serving and a longer pause later.
/// </summary>
internal readonly struct RecoveryGcHold : IDisposable
{
    private readonly bool _started;

    private RecoveryGcHold(bool started) => _started = started;

    public static RecoveryGcHold Start(long budgetBytes)
    {
        if (budgetBytes <= 0 || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return default;
        try
        {
            return new RecoveryGcHold(GC.TryStartNoGCRegion(budgetBytes));
        }
        catch (ArgumentOutOfRangeException)
        {
            // More than this runtime's GC can promise to hold (it depends on the GC mode): recover as usual.
            return default;
        }
        catch (InvalidOperationException)
        {
            // Another recovery in this process holds the GC already (tests run several stores at once).
            return default;
        }
    }

    /// <summary>Whether the budget lasted: after it ran out the runtime had already left the region by itself.</summary>
    public bool Held => _started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;

    public void Dispose()
    {
        if (!Held) return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // An allocation on another thread spent the budget between the check and the call: already ended.
        }
    }
}
