using Purple.Core.Commands;
using Purple.Core.Execution;
using Purple.Protocols.Metrics;

namespace Purple.Protocols.Memcached;

/// <summary>Counters of "stats", memcached's names. Append at the end only: sessions index arrays by them.</summary>
public enum MemcachedStat
{
    CmdGet, CmdSet, CmdFlush, CmdTouch, CmdMeta,
    GetHits, GetMisses, DeleteMisses, DeleteHits, IncrMisses, IncrHits, DecrMisses, DecrHits,
    CasMisses, CasHits, CasBadval, TouchHits, TouchMisses, StoreTooLarge, StoreNoMemory,
    BytesRead, BytesWritten, TotalItems,
}

/// <summary>
/// Everything a memcached connection needs from the process. One per node, shared by all connections.
/// memcached has no databases: its clients see database 0 (DESIGN §3).
/// </summary>
public sealed class MemcachedServerContext : IDisposable
{
    /// <summary>The memcached release whose protocol and replies we follow; VERSION reports it so clients that parse it work.</summary>
    public const string ProtocolVersion = "1.6.18";

    public const int Db = 0;

    private static readonly int StatCount = Enum.GetValues<MemcachedStat>().Length;
    // Counters of closed connections; live connections count in their own arrays (see Register).
    private readonly long[] _retired = new long[StatCount];
    // What "stats reset" subtracts from then on.
    private readonly long[] _baseline = new long[StatCount];
    private readonly List<long[]> _live = [];
    private readonly Lock _flushLock = new();
    private ITimer? _pendingFlush;
    private long _flushGeneration;
    private long _currentConnections;
    private long _totalConnections;

    public MemcachedServerContext(IDataStore store, TimeProvider time, MemcachedLimits limits, string purpleVersion)
    {
        Store = store;
        Time = time;
        Limits = limits;
        PurpleVersion = purpleVersion;
        StartedAt = time.GetUtcNow();
    }

    public IDataStore Store { get; }

    /// <summary>What replies wait on with durable storage (docs/storage.md); null in memory mode.</summary>
    public IDurabilityBarrier? Durability { get; init; }
    public TimeProvider Time { get; }
    public MemcachedLimits Limits { get; }

    /// <summary>The password a connection must give (memcached's text-protocol login) before other commands; none by default.</summary>
    public Security.PasswordGuard Auth { get; init; } = Security.PasswordGuard.None;
    public string PurpleVersion { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>The most connections the listener takes (--maxclients), for "stats settings" (memcached's -c); 0 when
    /// no limit is set, as for a context that no listener admits connections to.</summary>
    public int MaxConnections { get; init; }

    /// <summary>The bound port, for "stats settings" (set by the host once listening).</summary>
    public int TcpPort { get; set; }

    /// <summary>Last "verbosity" level set; memcached's logging knob, recorded and reported but Purple's logs do not change.</summary>
    public int Verbosity { get; set; }

    public long CurrentConnections => Interlocked.Read(ref _currentConnections);
    public long TotalConnections => Interlocked.Read(ref _totalConnections);

    internal long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The node-wide value of a counter: closed connections plus every live one's own array, read without
    /// stopping them (a count a command or two behind is what memcached's per-thread stats give too).
    /// </summary>
    internal long StatTotal(MemcachedStat stat)
    {
        int i = (int)stat;
        lock (_live)
        {
            long sum = _retired[i];
            foreach (var counters in _live) sum += Volatile.Read(ref counters[i]);
            return sum - _baseline[i];
        }
    }

    /// <summary>
    /// A new connection's counters. Each connection increments its own array with plain writes, so
    /// commands on different cores never contend for a shared cache line.
    /// </summary>
    internal long[] Register()
    {
        var counters = new long[StatCount];
        lock (_live) _live.Add(counters);
        return counters;
    }

    internal void Retire(long[] counters)
    {
        lock (_live)
        {
            if (!_live.Remove(counters)) return;
            for (int i = 0; i < counters.Length; i++) _retired[i] += counters[i];
        }
    }

    internal void ResetStats()
    {
        lock (_live)
        {
            for (int i = 0; i < _baseline.Length; i++)
            {
                long sum = _retired[i];
                foreach (var counters in _live) sum += Volatile.Read(ref counters[i]);
                _baseline[i] = sum;
            }
        }
    }

    internal void Connected()
    {
        Interlocked.Increment(ref _currentConnections);
        Interlocked.Increment(ref _totalConnections);
    }

    internal void Disconnected() => Interlocked.Decrement(ref _currentConnections);

    /// <summary>Commands, latency, connections and refusals of this listener (the node's, for /metrics).</summary>
    public ProtocolMetrics Metrics { get; init; } = NewMetrics();

    /// <summary>Slots follow <see cref="MemcachedCommand"/>'s values, named as memcached names the commands.</summary>
    public static ProtocolMetrics NewMetrics() =>
        new("memcached", MemcachedCommands.Names.Count, MemcachedCommands.Names);

    /// <summary>
    /// "flush_all [delay]": database 0 is emptied now, or at the given time. As in memcached only the latest
    /// request counts: a new flush_all replaces a pending one.
    /// </summary>
    internal void Flush(TimeSpan delay)
    {
        lock (_flushLock)
        {
            _pendingFlush?.Dispose();
            _pendingFlush = null;
            long generation = ++_flushGeneration;
            if (delay <= TimeSpan.Zero)
            {
                Store.Execute(new FlushDbCommand(Db));
                return;
            }
            _pendingFlush = Time.CreateTimer(_ => RunScheduledFlush(generation), null, delay, Timeout.InfiniteTimeSpan);
        }
    }

    private void RunScheduledFlush(long generation)
    {
        lock (_flushLock)
        {
            // A timer that fired while a newer flush_all replaced it must not act.
            if (generation != _flushGeneration) return;
            _pendingFlush?.Dispose();
            _pendingFlush = null;
            Store.Execute(new FlushDbCommand(Db));
        }
    }

    public void Dispose()
    {
        lock (_flushLock)
        {
            _pendingFlush?.Dispose();
            _pendingFlush = null;
        }
    }
}
