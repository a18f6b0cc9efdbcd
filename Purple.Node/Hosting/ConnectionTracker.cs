using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Purple.Protocols;
using Purple.Protocols.Metrics;

namespace Purple.Node.Hosting;

/// <summary>
/// The open connections of the TCP protocols (RESP, memcached) and their limits: at most --maxclients per
/// listener (the one over is told so in its protocol and closed, as Redis and memcached do), idle clients
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

    private sealed record Tracked(ConnectionContext Connection, ConnectionActivity Activity, ProtocolMetrics Metrics);

    public ConnectionTracker(TimeSpan idleTimeout, TimeSpan stallTimeout)
    {
        _idleTimeout = idleTimeout;
        _stallTimeout = stallTimeout;
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Tracks the listener's connections; register after TLS, so the refusal is written in clear text inside it.</summary>
    public void Track(ListenOptions listener, ProtocolMetrics metrics, int maxClients, byte[] refusal)
    {
        var open = new StrongBox<int>();
        listener.Use(next => async connection =>
        {
            if (Interlocked.Increment(ref open.Value) > maxClients)
            {
                Interlocked.Decrement(ref open.Value);
                metrics.Rejected(RejectReason.MaxConnections);
                await connection.Transport.Output.WriteAsync(refusal).ConfigureAwait(false);
                await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
                return;
            }
            var activity = new ConnectionActivity();
            connection.Features.Set(activity);
            _open[connection.ConnectionId] = new Tracked(connection, activity, metrics);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                _open.TryRemove(connection.ConnectionId, out _);
                Interlocked.Decrement(ref open.Value);
            }
        });
    }

    /// <summary>At most <paramref name="maxClients"/> connections on an HTTP or gRPC listener; one more is closed before any request.</summary>
    public static void Limit(ListenOptions listener, ProtocolMetrics metrics, int maxClients)
    {
        var open = new StrongBox<int>();
        listener.Use(next => async connection =>
        {
            if (Interlocked.Increment(ref open.Value) > maxClients)
            {
                Interlocked.Decrement(ref open.Value);
                metrics.Rejected(RejectReason.MaxConnections);
                connection.Abort(new ConnectionAbortedException("max number of clients reached"));
                return;
            }
            metrics.ConnectionOpened();
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                metrics.ConnectionClosed();
                Interlocked.Decrement(ref open.Value);
            }
        });
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
