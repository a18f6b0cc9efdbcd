namespace Purple.Core.Execution;

/// <summary>
/// Lets a protocol hold its replies until the writes they acknowledge are safe (docs/storage.md, "Acknowledgement
/// and fsync"). Under <c>--fsync always</c> a reply waits until every write recorded before it is durable; under the
/// other modes it waits only while the journal's backlog is over its bound, which is what keeps a slow disk from
/// turning into unbounded memory. Connections check once per batch of replies, so pipelining and group commit
/// amortize each other. Thread-safe.
/// </summary>
public interface IDurabilityBarrier
{
    /// <summary>True when replies must wait; <paramref name="target"/> is what to pass to <see cref="WaitAsync"/>.</summary>
    bool MustWait(out long target);

    /// <summary>
    /// Completes once the journal has reached <paramref name="target"/>. Throws <see cref="StorageUnavailableException"/>
    /// when the journal cannot write (the reply must not claim the write is safe). The caller may resume on the journal's
    /// own releasing thread, or on the I/O loop that committed (docs/storage.md, "Who sends the held replies", "Who commits
    /// under always"): it must not block there on the journal.
    /// </summary>
    ValueTask WaitAsync(long target, CancellationToken cancellation = default);
}

/// <summary>
/// The storage behind the engine failed a call; protocols answer it in their own terms (RESP "-ERR …", memcached
/// "SERVER_ERROR …", HTTP 503/501, gRPC UNAVAILABLE/UNIMPLEMENTED) and the connection goes on. The message names the
/// cause, never a value.
/// </summary>
public abstract class StorageException(string message) : Exception(message);

/// <summary>The store cannot be reached or cannot write (a failing disk, an unreachable Redis).</summary>
public sealed class StorageUnavailableException(string message) : StorageException(message);

/// <summary>The storage mode cannot do this operation (docs/storage.md lists which).</summary>
public sealed class StorageNotSupportedException(string message) : StorageException(message);

public static class DurabilityBarrierExtensions
{
    /// <summary>The one call sites make before sending replies: free when there is no barrier or nothing to wait for.</summary>
    public static ValueTask WhenSafeAsync(this IDurabilityBarrier? barrier, CancellationToken cancellation = default) =>
        barrier is not null && barrier.MustWait(out long target) ? barrier.WaitAsync(target, cancellation) : default;
}
