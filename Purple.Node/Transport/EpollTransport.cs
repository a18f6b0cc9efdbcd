using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Purple.Node.Transport;

/// <summary>
/// Kestrel's transport on Linux epoll (--transport epoll, the default on Linux): every listener, whatever its
/// protocol, and all of Kestrel above it — TLS, HTTP/1.1, HTTP/2, connection handlers — unchanged. It exists
/// because .NET's socket engine and Kestrel's socket transport cost ~4 µs of CPU per unpipelined request on this
/// machine against ~1 µs for a bare epoll loop (docs/performance.md, "The epoll transport"). Connections are
/// spread round-robin over <c>ioThreads</c> loops.
/// </summary>
internal sealed class EpollTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly EpollLoop[] _loops;
    private readonly PipeOptions _input;
    private readonly PipeOptions[] _outputs;
    private int _next;

    /// <param name="inline">Protocol code runs on the loop thread (--inline-io yes), or on the thread pool.</param>
    /// <param name="pollMicros">The longest a loop polls before it sleeps (--io-poll; <see cref="IdlePoll"/>); zero: never.</param>
    public EpollTransport(int ioThreads, bool inline, long maxReadBufferBytes, ILoggerFactory loggers, int pollMicros = 0)
    {
        var logger = loggers.CreateLogger<EpollTransport>();
        _loops = new EpollLoop[Math.Max(1, ioThreads)];
        long pollTicks = pollMicros * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
        for (int i = 0; i < _loops.Length; i++) _loops[i] = new EpollLoop($"purple-io-{i}", logger, pollTicks);
        PipeScheduler application = inline ? PipeScheduler.Inline : PipeScheduler.ThreadPool;
        // As Kestrel's socket transport: the input pauses at the read limit, the output at 64 KB.
        _input = new PipeOptions(null, application, PipeScheduler.Inline, maxReadBufferBytes, maxReadBufferBytes / 2, useSynchronizationContext: false);
        // Each loop's own: the send loop reading an output pipe is scheduled by that loop (EpollLoop.Sends).
        _outputs = _loops.Select(loop => new PipeOptions(null, loop.Sends, application, 64 * 1024, 32 * 1024, useSynchronizationContext: false)).ToArray();
    }

    /// <summary>Seconds the loops have spent polling, over all of them.</summary>
    public double PolledSeconds => _loops.Sum(l => l.PolledSeconds);

    /// <summary>The loops' waits that a poll ended, and those that slept (counted only with polling on).</summary>
    public (long Caught, long Slept) Wakeups
    {
        get
        {
            long caught = 0, slept = 0;
            foreach (var loop in _loops)
            {
                var (c, s) = loop.Wakeups;
                caught += c;
                slept += s;
            }
            return (caught, slept);
        }
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip) throw new NotSupportedException($"The epoll transport listens on IP endpoints only, not {endpoint}.");
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(ip);
            socket.Listen(512);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return ValueTask.FromResult<IConnectionListener>(new Listener(this, socket));
    }

    private int NextLoop() => (int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length);

    public void Dispose()
    {
        foreach (var loop in _loops) loop.Dispose();
    }

    private sealed class Listener(EpollTransport transport, Socket socket) : IConnectionListener
    {
        private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(50);

        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default) =>
            await AcceptOneAsync(cancellationToken).ConfigureAwait(false);

        private async ValueTask<EpollConnection?> AcceptOneAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return null;
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
                {
                    return null;
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                {
                    // The client went away between connecting and being accepted.
                    continue;
                }
                catch (SocketException)
                {
                    // Out of descriptors or memory: the connection stays in the backlog, so retrying at once would
                    // spin a core. Existing connections go on; a new one is accepted once something closes.
                    if (!await DelayAsync(cancellationToken).ConfigureAwait(false)) return null;
                    continue;
                }
                try
                {
                    accepted.NoDelay = true;
                    accepted.Blocking = false;
                }
                catch (SocketException)
                {
                    accepted.Dispose();
                    continue;
                }
                int loop = transport.NextLoop();
                var connection = new EpollConnection(accepted, transport._loops[loop], transport._input, transport._outputs[loop]);
                connection.Start();
                return connection;
            }
        }

        private static async Task<bool> DelayAsync(CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(AcceptRetryDelay, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
