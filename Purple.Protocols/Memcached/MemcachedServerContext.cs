using Purple.Core.Commands;
using Purple.Core.Execution;

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
    private readonly long[] _totals = new long[StatCount];
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
    public TimeProvider Time { get; }
    public MemcachedLimits Limits { get; }
    public string PurpleVersion { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>The bound port, for "stats settings" (set by the host once listening).</summary>
    public int TcpPort { get; set; }

    /// <summary>Last "verbosity" level set; memcached's logging knob, recorded and reported but Purple's logs do not change.</summary>
    public int Verbosity { get; set; }

    public long CurrentConnections => Interlocked.Read(ref _currentConnections);
    public long TotalConnections => Interlocked.Read(ref _totalConnections);

    internal long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    internal long StatTotal(MemcachedStat stat) => Interlocked.Read(ref _totals[(int)stat]);

    internal static long[] NewCounters() => new long[StatCount];

    /// <summary>Adds a connection's counters to the totals and zeroes them (once per read batch: no shared write per command).</summary>
    internal void Collect(long[] local)
    {
        for (int i = 0; i < local.Length; i++)
        {
            if (local[i] == 0) continue;
            Interlocked.Add(ref _totals[i], local[i]);
            local[i] = 0;
        }
    }

    internal void ResetStats()
    {
        for (int i = 0; i < _totals.Length; i++) Interlocked.Exchange(ref _totals[i], 0);
    }

    internal void Connected()
    {
        Interlocked.Increment(ref _currentConnections);
        Interlocked.Increment(ref _totalConnections);
    }

    internal void Disconnected() => Interlocked.Decrement(ref _currentConnections);

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
