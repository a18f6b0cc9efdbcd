using System.Threading.Tasks.Sources;
using Purple.Core.Execution;

namespace Purple.Storage;

/// <summary>
/// Replies held for the journal (<see cref="GroupCommitJournal.WaitAsync"/>), released after each commit by one thread of
/// their own — or, when an I/O loop made the commit itself, by that loop (<see cref="ReleaseHere"/>, and the loop sends
/// them at the end of its batch). Each waiter is resumed on that thread, one after another, so its reply is sent from
/// there: a group commit's replies do not go through the thread pool, whose workers would be woken for them and then
/// spin on the two cores the writers need (docs/storage.md, "Acknowledgement and fsync"). A task with several awaiters
/// would not do: it runs only the first inline and queues the rest to the pool.
/// Threading: <see cref="WaitAsync"/> from any thread; <see cref="Wake"/> from the commit thread; <see cref="ReleaseHere"/>
/// from a committing batch thread; continuations run on the releasing thread and must not block on the journal (none
/// does: protocol code only awaits it).
/// </summary>
internal sealed class JournalReplies : IDisposable
{
    private readonly Func<long, bool> _reached;
    private readonly Func<string?> _fault;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly Thread _thread;
    private List<Waiter> _pending = [];
    private List<Waiter> _kept = [];
    [ThreadStatic] private static List<Waiter>? t_ready;
    private int _waiting;
    private volatile bool _stopping;

    private abstract class Waiter
    {
        public long Target;

        /// <summary>Resumes the waiting code on the calling thread: with <paramref name="error"/> null, the write is safe.</summary>
        public abstract void Complete(Exception? error);
    }

    /// <summary>
    /// A wait without a cancellation token (a RESP or memcached connection's replies), reused from wait to wait: a
    /// TaskCompletionSource and its Task per write reply were a third of what each write allocated under always.
    /// </summary>
    private sealed class PooledWaiter(JournalReplies owner) : Waiter, IValueTaskSource
    {
        // Continuations run inline where the waiter is completed: that is what resumes a reply on the releasing thread.
        private ManualResetValueTaskSourceCore<bool> _core;

        public ValueTask Wait() => new(this, _core.Version);

        public override void Complete(Exception? error)
        {
            if (error is null) _core.SetResult(true);
            else _core.SetException(error);
        }

        public void GetResult(short token)
        {
            // Back to the pool once its one awaiter has the outcome; a stale token throws and leaves it alone.
            if (token != _core.Version) _core.GetResult(token);
            try
            {
                _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                owner.Return(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>A wait that a cancellation token may end (an HTTP request's abort, a gRPC deadline) first.</summary>
    private sealed class CancellableWaiter : Waiter
    {
        public readonly TaskCompletionSource Completion = new();

        public override void Complete(Exception? error)
        {
            if (error is null) Completion.TrySetResult();
            else Completion.TrySetException(error);
        }
    }

    // Under _gate. Bounded: more waiters than this at once are connections beyond any pool worth keeping.
    private readonly Stack<PooledWaiter> _pool = new();
    private const int MaxPooled = 4096;

    private void Return(PooledWaiter waiter)
    {
        lock (_gate)
        {
            if (_pool.Count < MaxPooled) _pool.Push(waiter);
        }
    }

    public JournalReplies(Func<long, bool> reached, Func<string?> fault)
    {
        _reached = reached;
        _fault = fault;
        _thread = new Thread(Run) { IsBackground = true, Name = "purple-replies" };
    }

    public void Start() => _thread.Start();

    public ValueTask WaitAsync(long target, CancellationToken cancellation)
    {
        // A full fence before the journal's state is read: the commit thread publishes progress and then reads this
        // count, so either it sees this waiter coming and wakes the releasing thread, or this thread sees the progress.
        Interlocked.Increment(ref _waiting);
        CancellableWaiter cancellable;
        // Checked and added under the lock the releasing thread scans under: progress it scanned for is seen here.
        lock (_gate)
        {
            if (_reached(target))
            {
                Interlocked.Decrement(ref _waiting);
                return default;
            }
            if ((_fault() ?? (_stopping ? "journal stopped" : null)) is { } refused)
            {
                Interlocked.Decrement(ref _waiting);
                return ValueTask.FromException(new StorageUnavailableException(refused));
            }
            if (!cancellation.CanBeCanceled)
            {
                var pooled = _pool.Count > 0 ? _pool.Pop() : new PooledWaiter(this);
                pooled.Target = target;
                _pending.Add(pooled);
                return pooled.Wait();
            }
            cancellable = new CancellableWaiter { Target = target };
            _pending.Add(cancellable);
        }
        return Cancellable(cancellable, cancellation);
    }

    private static async ValueTask Cancellable(CancellableWaiter waiter, CancellationToken cancellation)
    {
        using var registration = cancellation.UnsafeRegister(
            static (state, token) => ((CancellableWaiter)state!).Completion.TrySetCanceled(token), waiter);
        await waiter.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Called by the commit thread after it moved the journal on or found it failing.</summary>
    public void Wake()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waiting) > 0) _wake.Set();
    }

    /// <summary>
    /// Releases, on the calling thread, the waiters the journal has reached (a batch thread that just committed, see
    /// <see cref="GroupCommitJournal"/>): their replies are sent from here rather than from the releasing thread.
    /// </summary>
    public void ReleaseHere()
    {
        // Pairs with the fence in WaitAsync, as in Wake.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waiting) > 0) Release();
    }

    private void Run()
    {
        bool stopping = false;
        while (!stopping)
        {
            _wake.Wait();
            _wake.Reset();
            stopping = Release();
        }
    }

    /// <summary>Completes the waiters that are due; true once stopping. Any thread; continuations run on it.</summary>
    private bool Release()
    {
        // Taken off the thread while in use: a continuation run below may, on the same thread, release again.
        var ready = t_ready ?? [];
        t_ready = null;
        string? fault = _fault();
        bool stopping;
        lock (_gate)
        {
            stopping = _stopping;
            foreach (var waiter in _pending)
            {
                if (stopping || fault is not null || _reached(waiter.Target)) ready.Add(waiter);
                else _kept.Add(waiter);
            }
            (_pending, _kept) = (_kept, _pending);
            _kept.Clear();
        }
        Interlocked.Add(ref _waiting, -ready.Count);
        foreach (var waiter in ready)
        {
            // Reached wins over a fault: that write is on disk whatever happened after it.
            if (_reached(waiter.Target)) waiter.Complete(null);
            else waiter.Complete(new StorageUnavailableException(fault ?? "journal stopped"));
        }
        ready.Clear();
        t_ready = ready;
        return stopping;
    }

    /// <summary>
    /// Releases every waiter left (each reached or refused) and ends the releasing thread. Called from a continuation
    /// running on that thread (code that resumed after a reply's wait and then stops the node), it cannot wait for the
    /// thread to end: the thread ends once that continuation returns.
    /// </summary>
    public void Stop()
    {
        lock (_gate) _stopping = true;
        _wake.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread) _thread.Join();
    }

    // The event is not disposed: the thread may still be finishing (see Stop), and an event that never handed out a
    // wait handle holds nothing to release.
    public void Dispose() => Stop();
}
