using System.Diagnostics;
using System.Threading.Channels;
using Purple.Actors.Storage;

namespace Purple.Actors.Supervision;

internal enum SupervisorSignal : byte { Tick }

/// <summary>
/// A shard's background worker: a mailbox plus one loop that owns the shard's active expiry sweep, weak-table
/// pruning and background eviction. The loop is an async task rather than a dedicated thread: on a 2-core
/// machine sixteen parked threads would buy nothing, and an idle async loop holds no thread at all.
/// </summary>
internal sealed class ShardSupervisor
{
    private static readonly long CycleBudgetTicks = Stopwatch.Frequency / 1000;

    // Capacity 1 with DropWrite: a slow cycle makes ticks coalesce instead of queueing up.
    private readonly Channel<SupervisorSignal> _mailbox = Channel.CreateBounded<SupervisorSignal>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Shard _shard;
    private readonly PurpleEngine _engine;
    private readonly int _ticksPerPrune;
    private Task _loop = Task.CompletedTask;
    private int _ticks;

    public ShardSupervisor(Shard shard, PurpleEngine engine, int hz)
    {
        _shard = shard;
        _engine = engine;
        _ticksPerPrune = hz;
    }

    public void Start() => _loop = Task.Run(RunAsync);

    public void Post(SupervisorSignal signal) => _mailbox.Writer.TryWrite(signal);

    public Task StopAsync()
    {
        _mailbox.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        await foreach (var _ in _mailbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                long now = _engine.Now();
                _shard.SweepExpired(now, CycleBudgetTicks);
                if (++_ticks % _ticksPerPrune == 0)
                {
                    lock (_shard.Gate) _shard.PruneWeak(now);
                }
                _engine.EvictInBackground(now, CycleBudgetTicks);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A supervisor must outlive a bad cycle; the next tick retries. Nothing to log values with here.
                Trace.TraceError($"Shard {_shard.Index} supervisor cycle failed: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }
}
