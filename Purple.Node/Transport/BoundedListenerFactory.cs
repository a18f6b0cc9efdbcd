using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Purple.Node.Transport;

/// <summary>
/// Bounds the sockets a transport (<see cref="EpollTransport"/>, or Kestrel's own under <c>--transport sockets</c>)
/// keeps open: past <c>maxOpenSockets</c> accepted and not yet disposed, the next connection waits in the listen
/// backlog until one is disposed (a connection's disposal ends after its descriptor is closed). A connection over the
/// descriptor budget is accepted to be told so and holds its descriptor until then; in a flood faster than that
/// telling, unbounded, those sockets took the descriptors the runtime needs, and it aborted (docs/limits.md).
/// Threading: any thread; a slot is taken before each accept and given back once, when the connection is disposed or
/// when no connection came of the accept.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "The semaphore is never disposed: a connection disposed late still gives its slot back into it, and never asked for a wait handle it holds nothing.")]
internal sealed class BoundedListenerFactory(IConnectionListenerFactory inner, int maxOpenSockets)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SemaphoreSlim _sockets = new(Math.Max(1, maxOpenSockets));

    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new Listener(await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false), _sockets);

    private sealed class Listener(IConnectionListener inner, SemaphoreSlim sockets) : IConnectionListener
    {
        // Ends a wait for a free socket: Kestrel's unbind awaits its accept loop before it closes any connection.
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
                await sockets.WaitAsync(either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            ConnectionContext? accepted = null;
            try
            {
                accepted = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
                return accepted is null ? null : new CountedConnection(accepted, sockets);
            }
            finally
            {
                if (accepted is null) sockets.Release();
            }
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            await inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
        }

        // The token source is not disposed: an unbind may still come after, and one with no timer holds nothing.
        public async ValueTask DisposeAsync()
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The transport's connection, unchanged, but for giving its slot back once it is disposed.</summary>
    private sealed class CountedConnection(ConnectionContext inner, SemaphoreSlim sockets) : ConnectionContext
    {
        private int _released;

        public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }
        public override IFeatureCollection Features => inner.Features;
        public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }
        public override IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }
        public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }
        public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }
        public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }
        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);
        public override void Abort() => inner.Abort();

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Exchange(ref _released, 1) == 0) sockets.Release();
                await base.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
