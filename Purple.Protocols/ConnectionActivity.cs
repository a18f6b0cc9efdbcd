using System.IO.Pipelines;
using Purple.Core.Execution;

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

    /// <summary>
    /// Replies written but not yet flushed that end a read batch early: the rest of the batch runs after the flush,
    /// which waits for the client, so a connection's pending output stays bounded by this plus one reply.
    /// </summary>
    public const long OutputChunkBytes = 256 * 1024;

    /// <summary>
    /// Flushes, marking the wait so a client that stopped reading can be disconnected; false when the peer is gone.
    /// With durable storage the caller first awaits <c>IDurabilityBarrier.WhenSafeAsync</c> (docs/storage.md): under
    /// --fsync always no reply leaves before the writes it reports are on disk, and a journal that cannot write throws
    /// <see cref="Purple.Core.Execution.StorageUnavailableException"/>, so the connection closes without sending. That
    /// wait is the caller's own await, not one in here: the handler's state machine lives as long as its connection,
    /// where a suspension in here allocated a state machine box for every write reply under always.
    /// </summary>
    public static async ValueTask<bool> FlushAsync(PipeWriter output, ConnectionActivity? activity)
    {
        activity?.FlushBegins();
        FlushResult flushed = await output.FlushAsync().ConfigureAwait(false);
        activity?.FlushEnded();
        return !flushed.IsCompleted;
    }
}
