using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Purple.Protocols;
using Purple.Protocols.Metrics;

namespace Purple.Node.Hosting;

/// <summary>
/// Every listener's connection limit and count (--maxclients per listener; RESP's and memcached's one over is
/// told so in its protocol and closed, as Redis and memcached do), and for the TCP protocols: idle clients
/// closed after --idle-timeout, and clients that stop reading their replies disconnected after
/// --output-stall-timeout, so no connection holds the server's memory or a thread hostage. One sweeper checks
/// every connection each second. On shutdown every connection is closed at once: Kestrel waits for a
/// connection handler to return on its own, so an idle client would otherwise hold SIGTERM for the whole
/// shutdown timeout.
/// </summary>
internal sealed class ConnectionTracker : IDisposable
{
    private readonly ConcurrentDictionary<string, Tracked> _open = new();
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _stallTimeout;
    private readonly Timer _sweeper;
    private readonly int _totalLimit;
    private int _total;

    private sealed record Tracked(ConnectionContext Connection, ConnectionActivity Activity, ProtocolMetrics Metrics);

    /// <param name="totalLimit">Connections open at once over every listener (the descriptor budget).</param>
    public ConnectionTracker(TimeSpan idleTimeout, TimeSpan stallTimeout, int totalLimit = int.MaxValue)
    {
        _idleTimeout = idleTimeout;
        _stallTimeout = stallTimeout;
        _totalLimit = totalLimit;
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>
    /// Admits at most <paramref name="maxClients"/> connections on a listener and counts them in its metrics.
    /// With a <paramref name="refusal"/> (RESP, memcached) the one over the limit is told so in its protocol, and
    /// admitted connections are watched for idleness and stalled output; without one (HTTP, gRPC, whose
    /// connections Kestrel times out itself) it is closed before any request. Register after TLS, so the refusal
    /// is written inside it.
    /// </summary>
    public void Track(ListenOptions listener, ProtocolMetrics metrics, int maxClients, byte[]? refusal = null) =>
        listener.Use(next => async connection =>
        {
            if (!TryOpen(metrics, maxClients))
            {
                if (refusal is null)
                {
                    connection.Abort(new ConnectionAbortedException("max number of clients reached"));
                    return;
                }
                await connection.Transport.Output.WriteAsync(refusal).ConfigureAwait(false);
                await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
                return;
            }
            if (refusal is not null)
            {
                var activity = new ConnectionActivity();
                connection.Features.Set(activity);
                _open[connection.ConnectionId] = new Tracked(connection, activity, metrics);
            }
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                _open.TryRemove(connection.ConnectionId, out _);
                metrics.ConnectionClosed();
                Interlocked.Decrement(ref _total);
            }
        });

    /// <summary>Admits a connection under its listener's --maxclients and the process's descriptor budget.</summary>
    private bool TryOpen(ProtocolMetrics metrics, int maxClients)
    {
        if (!metrics.TryOpen(maxClients)) return false;
        if (Interlocked.Increment(ref _total) <= _totalLimit) return true;
        Interlocked.Decrement(ref _total);
        metrics.ConnectionClosed();
        metrics.Rejected(RejectReason.MaxConnections);
        return false;
    }

    private void Sweep()
    {
        long now = Environment.TickCount64;
        foreach (var (id, tracked) in _open)
        {
            long flushStarted = tracked.Activity.FlushStarted;
            if (_stallTimeout > TimeSpan.Zero && flushStarted != 0 && now - flushStarted > _stallTimeout.TotalMilliseconds)
            {
                Close(id, tracked, RejectReason.SlowConsumer, "it has not read its replies for the output stall timeout");
            }
            else if (_idleTimeout > TimeSpan.Zero && flushStarted == 0 && now - tracked.Activity.LastRead > _idleTimeout.TotalMilliseconds)
            {
                Close(id, tracked, RejectReason.IdleTimeout, "it sent nothing for the idle timeout");
            }
        }
    }

    private void Close(string id, Tracked tracked, RejectReason reason, string why)
    {
        if (!_open.TryRemove(id, out _)) return;
        tracked.Metrics.Rejected(reason);
        Logger.LogInformation("Closing {Protocol} connection {ConnectionId}: {Why}", tracked.Metrics.Protocol, id, why);
        tracked.Connection.Abort(new ConnectionAbortedException(why));
    }

    public void AbortAll()
    {
        foreach (var tracked in _open.Values)
            tracked.Connection.Abort(new ConnectionAbortedException("The server is shutting down."));
    }

    public void Dispose() => _sweeper.Dispose();
}
