using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Purple.Core.Execution;

namespace Purple.Node.Transport;

/// <summary>
/// One I/O thread: waits on its epoll set (level-triggered; polling it for a while first when <see cref="IdlePoll"/>
/// grants it, so a request arriving soon after a batch finds the thread awake) and, for each ready socket, receives and hands the bytes
/// to the connection's input pipe — with inline scheduling the protocol handler runs right here, as it did on .NET's
/// socket thread. Threading rules: the table of connections, every receive and every input-pipe write happen on
/// this thread only; other threads reach it through <see cref="Post"/>. Interest changes (epoll_ctl) may come from
/// any thread, under the connection's lock. Sends started on this thread wait for the end of the batch
/// (<see cref="Sends"/>), as Redis writes its replies before it sleeps again.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(Action<object?> Work, object? State)> _posted = new();
    private readonly ILogger _logger;
    private readonly SendScheduler _sends;
    private EpollConnection?[] _byFd = new EpollConnection?[256];
    private int _wakePending;
    private readonly IdlePoll _poll;   // loop thread only
    private long _polledTicks;
    private long _caught;
    private long _sleeps;
    private volatile bool _stopping;

    /// <param name="pollTicks">The longest <see cref="IdlePoll"/> window, in <see cref="Stopwatch"/> ticks; zero: never poll.</param>
    public EpollLoop(string name, ILogger logger, long pollTicks = 0)
    {
        _logger = logger;
        _poll = new IdlePoll(pollTicks, Stopwatch.Frequency);
        _epoll = EpollNative.CreateEpoll();
        _wake = EpollNative.CreateEventFd();
        int error = EpollNative.Control(_epoll, EpollNative.CtlAdd, _wake, EpollNative.In, (ulong)_wake);
        if (error != 0) throw new IOException($"epoll_ctl for the wake-up descriptor failed (errno {error}).");
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _sends = new SendScheduler(_thread.ManagedThreadId);
        _thread.Start();
    }

    public int Epoll => _epoll;

    /// <summary>
    /// The reader scheduler of this loop's output pipes. A send woken on the loop thread (a reply flushed by a handler the
    /// loop is running) runs once every ready socket of the batch has been read and answered, so the replies of a batch
    /// leave together: a client serving many connections then finds several replies per wake-up rather than one
    /// (docs/performance.md, "Replies sent at the end of the batch"). Woken on any other thread, it runs there at once.
    /// </summary>
    public PipeScheduler Sends => _sends;

    /// <summary>Runs <paramref name="work"/> on the loop thread, after the events it is handling now.</summary>
    public void Post(Action<object?> work, object? state)
    {
        _posted.Enqueue((work, state));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            EpollNative.Write(_wake, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>Loop thread: makes <paramref name="connection"/> the owner of its descriptor's events.</summary>
    public void Attach(EpollConnection connection)
    {
        int fd = connection.Fd;
        if (fd >= _byFd.Length) Array.Resize(ref _byFd, Math.Max(fd + 1, _byFd.Length * 2));
        _byFd[fd] = connection;
    }

    /// <summary>Loop thread: the descriptor is about to be closed; events still queued for it are dropped.</summary>
    public void Detach(EpollConnection connection)
    {
        int fd = connection.Fd;
        if (fd < _byFd.Length && ReferenceEquals(_byFd[fd], connection)) _byFd[fd] = null;
    }

    private void Run()
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollNative.EventSize));
        BatchThread.Enlist();
        try
        {
            while (!_stopping)
            {
                int n = _poll.Enabled ? WaitPolling(events) : EpollNative.EpollWait(_epoll, events, MaxEvents, -1);
                long batchStart = _poll.Enabled ? Stopwatch.GetTimestamp() : 0;
                if (n < 0)
                {
                    int errno = Marshal.GetLastSystemError();
                    if (errno == EpollNative.EINTR) continue;
                    _logger.LogCritical("epoll_wait failed (errno {Errno}); the I/O thread {Thread} stops", errno, _thread.Name);
                    return;
                }
                bool woken = false;
                for (int i = 0; i < n; i++)
                {
                    int fd = (int)EpollNative.DataAt(events, i);
                    if (fd == _wake)
                    {
                        woken = true;
                        continue;
                    }
                    EpollConnection? connection = fd < _byFd.Length ? _byFd[fd] : null;
                    if (connection is null) continue;
                    try
                    {
                        connection.OnEvents(EpollNative.EventsAt(events, i));
                    }
                    catch (Exception ex)
                    {
                        // A bug must cost this connection, never the loop and every connection it serves.
                        _logger.LogError(ex, "Connection {ConnectionId} failed on the I/O thread {Thread}", connection.ConnectionId, _thread.Name);
                        connection.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("the transport failed"));
                    }
                }
                // Posted work runs after the batch, so a descriptor closed and reused by it cannot receive an
                // event that was meant for the connection before.
                if (woken) RunPosted();
                _sends.RunDeferred(_logger);
                PayDebts();
                // Replies a commit released, held until it was durable (--fsync always).
                _sends.RunDeferred(_logger);
                if (_poll.Enabled) _poll.Worked(Stopwatch.GetTimestamp() - batchStart);
            }
        }
        catch (Exception ex)
        {
            _logger.LogCritical(ex, "The I/O thread {Thread} failed", _thread.Name);
        }
        finally
        {
            // No send may be left waiting for a batch that will not end: each connection's send loop must finish.
            _sends.RunDeferred(_logger);
            NativeMemory.Free(events);
        }
    }

    /// <summary>
    /// Waits for events as <see cref="IdlePoll"/> says: polls without blocking for the window it grants, then, if nothing
    /// came, sleeps. Returns what <c>epoll_wait</c> returned.
    /// </summary>
    private int WaitPolling(byte* events)
    {
        long idleStart = Stopwatch.GetTimestamp();
        long grant = _poll.Grant();
        int n = 0;
        long polled = 0;
        if (grant > 0)
        {
            long now;
            do
            {
                n = EpollNative.EpollWait(_epoll, events, MaxEvents, 0);
                now = Stopwatch.GetTimestamp();
            }
            while (n == 0 && now - idleStart < grant);
            polled = now - idleStart;
            Volatile.Write(ref _polledTicks, _polledTicks + polled);   // one writer: this thread
        }
        if (n == 0)
        {
            n = EpollNative.EpollWait(_epoll, events, MaxEvents, -1);
            Volatile.Write(ref _sleeps, _sleeps + 1);
        }
        else if (n > 0)
        {
            Volatile.Write(ref _caught, _caught + 1);
        }
        _poll.Idled(polled, Stopwatch.GetTimestamp() - idleStart);
        return n;
    }

    /// <summary>Seconds this loop has spent polling (<see cref="IdlePoll"/>), read from any thread.</summary>
    public double PolledSeconds => (double)Volatile.Read(ref _polledTicks) / Stopwatch.Frequency;

    /// <summary>Waits that a poll ended, and waits that slept in <c>epoll_wait</c> (with polling on), from any thread.</summary>
    public (long Caught, long Slept) Wakeups => (Volatile.Read(ref _caught), Volatile.Read(ref _sleeps));

    /// <summary>What this batch left owing (the journal's commit under --fsync always), paid before the next wait.</summary>
    private void PayDebts()
    {
        try
        {
            BatchThread.PayDebts();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Work owed at the end of a batch on the I/O thread {Thread} failed", _thread.Name);
        }
    }

    private void RunPosted()
    {
        ulong count;
        EpollNative.Read(_wake, (byte*)&count, sizeof(ulong));
        Volatile.Write(ref _wakePending, 0);
        while (_posted.TryDequeue(out var item))
        {
            try
            {
                item.Work(item.State);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Work posted to the I/O thread {Thread} failed", _thread.Name);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Post(static _ => { }, null);
        _thread.Join(TimeSpan.FromSeconds(5));
        _ = EpollNative.Close(_wake);
        _ = EpollNative.Close(_epoll);
    }

    /// <summary>Defers work scheduled on the loop thread to the end of its batch; runs work from elsewhere inline.</summary>
    private sealed class SendScheduler(int loopThreadId) : PipeScheduler
    {
        // Loop thread only.
        private List<(Action<object?> Work, object? State)> _deferred = new();
        private List<(Action<object?> Work, object? State)> _running = new();

        public override void Schedule(Action<object?> action, object? state)
        {
            if (Environment.CurrentManagedThreadId == loopThreadId) _deferred.Add((action, state));
            else action(state);
        }

        /// <summary>Loop thread: runs what was deferred, and what that defers in turn, until nothing is left.</summary>
        public void RunDeferred(ILogger logger)
        {
            while (_deferred.Count > 0)
            {
                (_deferred, _running) = (_running, _deferred);
                foreach (var (work, state) in _running)
                {
                    try
                    {
                        work(state);
                    }
                    catch (Exception ex)
                    {
                        logger.LogError(ex, "A send deferred to the end of an I/O batch failed");
                    }
                }
                _running.Clear();
            }
        }
    }
}
