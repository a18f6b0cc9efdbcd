namespace Purple.Protocols;

/// <summary>
/// A connection feature the TCP handlers keep current so the node can close idle clients and clients that stopped
/// reading their replies, without a timer per connection: plain fields written by the connection's own loop and
/// read by one sweeper (a slightly stale read only delays a close by a sweep).
/// </summary>
public sealed class ConnectionActivity
{
    private long _lastRead = Environment.TickCount64;
    private long _flushStarted;

    /// <summary>When requests last arrived (Environment.TickCount64).</summary>
    public long LastRead => Volatile.Read(ref _lastRead);

    /// <summary>When the pending flush began, or 0 when no flush is waiting on the client.</summary>
    public long FlushStarted => Volatile.Read(ref _flushStarted);

    public void Read() => Volatile.Write(ref _lastRead, Environment.TickCount64);

    public void FlushBegins() => Volatile.Write(ref _flushStarted, Environment.TickCount64);

    public void FlushEnded() => Volatile.Write(ref _flushStarted, 0);
}
