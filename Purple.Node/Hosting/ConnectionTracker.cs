using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Purple.Node.Hosting;

/// <summary>
/// The open connections of the TCP protocols (RESP, memcached). Kestrel drains HTTP connections on shutdown
/// but waits for a connection handler to return on its own, so an idle client would hold SIGTERM for the whole
/// shutdown timeout; Redis and memcached close their clients at once, and so does this, when stopping begins.
/// </summary>
internal sealed class ConnectionTracker
{
    private readonly ConcurrentDictionary<string, ConnectionContext> _open = new();

    public void Track(ListenOptions listener) =>
        listener.Use(next => async connection =>
        {
            _open[connection.ConnectionId] = connection;
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                _open.TryRemove(connection.ConnectionId, out _);
            }
        });

    public void AbortAll()
    {
        foreach (var connection in _open.Values)
            connection.Abort(new ConnectionAbortedException("The server is shutting down."));
    }
}
