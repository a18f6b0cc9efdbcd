using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Purple.Node.Transport;

/// <summary>
/// One accepted socket served by an <see cref="EpollLoop"/>: what arrives goes into the input pipe on the loop thread;
/// what the application flushes to the output pipe is sent by whichever thread flushed — by the loop at the end of its
/// batch when that thread is the loop (<see cref="EpollLoop.Sends"/>) — or by the loop, once the socket is writable
/// again. The descriptor is closed on the loop thread once both directions have ended, as Kestrel's socket transport
/// does: the application completing its output shuts the socket down.
/// </summary>
internal sealed class EpollConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    /// <summary>The smallest buffer a receive asks the input pipe for.</summary>
    private const int MinReceive = 4096;

    /// <summary>Receives per readiness event before the loop moves on: bounds what one busy client can take from the others.</summary>
    private const int ReceivesPerEvent = 8;

    private static long s_lastId;

    private readonly EpollLoop _loop;
    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _closedSource = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _resumeReceive;

    // Interest in the epoll set, under _lock.
    private bool _wantRead;
    private bool _wantWrite;
    private uint _registeredEvents;
    private bool _descriptorClosed;
    private TaskCompletionSource? _writable;

    // Loop thread only.
    private bool _receiveEnded;
    private bool _sendEnded;
    private bool _receivePaused;
    private bool _endAfterResume;
    private Exception? _endErrorAfterResume;
    private System.Runtime.CompilerServices.ValueTaskAwaiter<FlushResult> _pausedFlush;

    private ConnectionAbortedException? _abortReason;
    private Exception? _sendError;
    private IDictionary<object, object?>? _items;
    private Task _sending = Task.CompletedTask;

    public EpollConnection(Socket socket, EpollLoop loop, PipeOptions inputOptions, PipeOptions outputOptions)
    {
        _socket = socket;
        _loop = loop;
        Fd = (int)socket.SafeHandle.DangerousGetHandle();
        _input = new Pipe(inputOptions);
        _output = new Pipe(outputOptions);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionId = "E" + Interlocked.Increment(ref s_lastId).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _closedSource.Token;
        _resumeReceive = () => _loop.Post(static c => ((EpollConnection)c!).ResumeReceive(), this);
        Features = new FeatureCollection();
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
    }

    public int Fd { get; }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Registers with the loop and starts sending; called once, right after accept.</summary>
    public void Start()
    {
        _loop.Post(static c =>
        {
            var connection = (EpollConnection)c!;
            connection._loop.Attach(connection);
            connection.SetInterest(read: true);
        }, this);
        _sending = SendLoopAsync();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Interlocked.CompareExchange(ref _abortReason, abortReason, null);
        // Replies not yet sent are dropped, as Kestrel's transports do on abort.
        _output.Reader.CancelPendingRead();
        _loop.Post(static c => ((EpollConnection)c!).AbortOnLoop(), this);
    }

    public override async ValueTask DisposeAsync()
    {
        // The application's ends, in case it left them open; the transport's loops then wind down.
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _closed.Task.ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        _closedSource.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Loop thread: what epoll reported for this socket.</summary>
    public void OnEvents(uint events)
    {
        if ((events & (EpollNative.Out | EpollNative.Err | EpollNative.Hup)) != 0) ReleaseWriter(null);
        if ((events & (EpollNative.In | EpollNative.Err | EpollNative.Hup)) != 0) Receive();
    }

    private unsafe void Receive()
    {
        if (_receiveEnded || _receivePaused) return;
        PipeWriter writer = _input.Writer;
        int received = 0;
        int error = 0;
        bool peerClosed = false;
        for (int i = 0; i < ReceivesPerEvent; i++)
        {
            Memory<byte> memory = writer.GetMemory(MinReceive);
            nint n;
            int errno = 0;
            fixed (byte* p = memory.Span)
            {
                n = EpollNative.Recv(Fd, p, memory.Length, 0);
                if (n < 0) errno = Marshal.GetLastSystemError();
            }
            if (n > 0)
            {
                writer.Advance((int)n);
                received += (int)n;
                if (n < memory.Length) break;
                continue;
            }
            if (n == 0)
            {
                peerClosed = true;
            }
            else if (errno == EpollNative.EINTR)
            {
                continue;
            }
            else if (errno != EpollNative.EAGAIN)
            {
                error = errno;
            }
            break;
        }
        Exception? end = error != 0 ? new ConnectionResetException($"The connection was reset (errno {error}).") : null;
        if (received > 0)
        {
            // Consumed exactly once: read below when it completed at once, else by ResumeReceive once it does.
#pragma warning disable CA2012
            var flush = writer.FlushAsync().GetAwaiter();
#pragma warning restore CA2012
            if (!flush.IsCompleted)
            {
                // The application has not read what it has: stop reading the socket until it does.
                _receivePaused = true;
                _endAfterResume = peerClosed || end is not null;
                _endErrorAfterResume = end;
                _pausedFlush = flush;
                SetInterest(read: false);
                _pausedFlush.UnsafeOnCompleted(_resumeReceive);
                return;
            }
            if (FlushEnded(flush))
            {
                ReceiveEnded(null);
                return;
            }
        }
        if (peerClosed || end is not null) ReceiveEnded(end);
    }

    /// <summary>Whether a completed flush says the application stopped reading.</summary>
    private static bool FlushEnded(System.Runtime.CompilerServices.ValueTaskAwaiter<FlushResult> flush)
    {
        try
        {
            FlushResult result = flush.GetResult();
            return result.IsCompleted || result.IsCanceled;
        }
        catch (Exception)
        {
            return true;
        }
    }

    /// <summary>Loop thread: the application read enough of a paused input.</summary>
    private void ResumeReceive()
    {
        _receivePaused = false;
        bool ended = FlushEnded(_pausedFlush);
        _pausedFlush = default;
        if (_receiveEnded) return;
        if (ended || _endAfterResume)
        {
            ReceiveEnded(_endErrorAfterResume);
        }
        else
        {
            SetInterest(read: true);
        }
    }

    /// <summary>Loop thread: no more bytes will go into the input pipe.</summary>
    private void ReceiveEnded(Exception? error)
    {
        if (_receiveEnded) return;
        _receiveEnded = true;
        SetInterest(read: false);
        _input.Writer.Complete(_abortReason ?? error);
        if (_sendEnded) Close();
    }

    private async Task SendLoopAsync()
    {
        PipeReader reader = _output.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    reader.AdvanceTo(result.Buffer.Start);
                    break;
                }
                ReadOnlySequence<byte> buffer = result.Buffer;
                int errno = 0;
                while (!buffer.IsEmpty)
                {
                    errno = SendSome(ref buffer);
                    if (errno == EpollNative.EAGAIN)
                    {
                        await WaitWritableAsync().ConfigureAwait(false);
                        errno = 0;
                    }
                    else if (errno != 0)
                    {
                        break;
                    }
                }
                reader.AdvanceTo(result.Buffer.End);
                if (errno != 0)
                {
                    _sendError = new ConnectionResetException($"The connection was reset (errno {errno}).");
                    break;
                }
                if (result.IsCompleted) break;
            }
        }
        catch (Exception ex)
        {
            _sendError = ex;
        }
        await reader.CompleteAsync(_sendError).ConfigureAwait(false);
        _loop.Post(static c => ((EpollConnection)c!).SendEnded(), this);
    }

    /// <summary>Sends the first segment, or as much of it as the socket takes; 0, or the errno that stopped it.</summary>
    private unsafe int SendSome(ref ReadOnlySequence<byte> buffer)
    {
        ReadOnlyMemory<byte> segment = buffer.First;
        nint n;
        int errno = 0;
        fixed (byte* p = segment.Span)
        {
            n = EpollNative.Send(Fd, p, segment.Length, EpollNative.MsgNoSignal);
            if (n < 0) errno = Marshal.GetLastSystemError();
        }
        if (n >= 0)
        {
            buffer = buffer.Slice(n);
            return 0;
        }
        return errno == EpollNative.EINTR ? 0 : errno;
    }

    private Task WaitWritableAsync()
    {
        var waiter = new TaskCompletionSource();
        lock (_lock)
        {
            if (_descriptorClosed || _abortReason is not null) throw _abortReason ?? new ConnectionAbortedException("The connection is closed.");
            _writable = waiter;
        }
        SetInterest(write: true);
        return waiter.Task;
    }

    /// <summary>Wakes a send waiting for room, or fails it with <paramref name="error"/>.</summary>
    private void ReleaseWriter(Exception? error)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _writable;
            _writable = null;
        }
        if (waiter is null) return;
        SetInterest(write: false);
        if (error is null) waiter.TrySetResult();
        else waiter.TrySetException(error);
    }

    /// <summary>Loop thread: the application finished writing, or sending failed.</summary>
    private void SendEnded()
    {
        _sendEnded = true;
        if (_receiveEnded)
        {
            Close();
        }
        else if (_sendError is not null)
        {
            ReceiveEnded(_sendError);
        }
        else
        {
            // The peer learns the connection is over; the pending receive then sees its end.
            _ = EpollNative.Shutdown(Fd, EpollNative.ShutRdWr);
            if (!_receivePaused) SetInterest(read: true);
        }
    }

    private void AbortOnLoop()
    {
        if (_descriptorClosed) return;
        _ = EpollNative.Shutdown(Fd, EpollNative.ShutRdWr);
        ReleaseWriter(_abortReason);
        ReceiveEnded(_abortReason);
    }

    /// <summary>Loop thread: both directions are over.</summary>
    private void Close()
    {
        lock (_lock)
        {
            if (_descriptorClosed) return;
            if (_registeredEvents != 0) EpollNative.Control(_loop.Epoll, EpollNative.CtlDel, Fd, 0, 0);
            _registeredEvents = 0;
            _descriptorClosed = true;
        }
        _loop.Detach(this);
        _socket.Dispose();
        ThreadPool.UnsafeQueueUserWorkItem(static c =>
        {
            try
            {
                c._closedSource.Cancel();
            }
            finally
            {
                c._closed.TrySetResult();
            }
        }, this, preferLocal: false);
    }

    /// <summary>Any thread: what this socket should be woken for. Nothing registered when nothing is wanted, so a hung-up
    /// socket nobody is reading cannot keep the loop spinning (epoll reports hang-ups whatever the mask).</summary>
    private void SetInterest(bool? read = null, bool? write = null)
    {
        int error;
        lock (_lock)
        {
            if (_descriptorClosed) return;
            if (read is bool r) _wantRead = r;
            if (write is bool w) _wantWrite = w;
            uint wanted = (_wantRead ? EpollNative.In : 0) | (_wantWrite ? EpollNative.Out : 0);
            if (wanted == _registeredEvents) return;
            // Registered means a non-empty mask: nothing wanted is a removal, not an empty registration.
            int op = wanted == 0 ? EpollNative.CtlDel : _registeredEvents == 0 ? EpollNative.CtlAdd : EpollNative.CtlMod;
            error = EpollNative.Control(_loop.Epoll, op, Fd, wanted, (ulong)Fd);
            if (error == 0) _registeredEvents = wanted;
        }
        // A socket epoll will not watch (out of watches or memory) would never be woken: close it rather than strand it.
        if (error != 0) Abort(new ConnectionAbortedException($"epoll_ctl failed (errno {error})."));
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
