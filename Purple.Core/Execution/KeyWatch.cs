namespace Purple.Core.Execution;

/// <summary>
/// One key under RESP's WATCH. <see cref="Changed"/> says at EXEC whether a command wrote the key since the watch began,
/// as Redis decides it: a write that leaves the value as it was counts, and so does a key created and deleted again.
/// Threading: <see cref="Changed"/> from inside <see cref="IDataStore.Atomically{T}"/> (EXEC); <see cref="Dispose"/>
/// from the session that watched, once the watch ends (EXEC, DISCARD, UNWATCH, RESET, the connection closing).
/// </summary>
public abstract class KeyWatch : IDisposable
{
    public abstract bool Changed();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>
/// A watch by <see cref="IDataStore.KeyVersion"/>: exact for a key that exists when watched, since every write, delete
/// and expiry gives it a new version. A key missing at both ends reads as unchanged, even if it existed in between.
/// </summary>
public sealed class VersionWatch(IDataStore store, int db, byte[] key, ulong version) : KeyWatch
{
    public override bool Changed() => store.KeyVersion(db, key) != version;
}

/// <summary>
/// A key missing when watched (<see cref="WatchedMissingKeys"/>): changed once it exists, or once its store counted a
/// write of it since, such as a creation undone before EXEC. Registered when made and released when disposed, both
/// under <paramref name="gate"/>, the lock the store guards <paramref name="keys"/> with.
/// </summary>
public sealed class MissingKeyWatch : KeyWatch
{
    private readonly Lock _gate;
    private readonly WatchedMissingKeys _keys;
    private readonly byte[] _key;
    private readonly WatchedMissingKeys.Counter _counter;
    private readonly long _writesAtWatch;
    private readonly Func<bool> _exists;
    private bool _disposed;

    /// <param name="exists">Whether the key exists now (at EXEC).</param>
    public MissingKeyWatch(Lock gate, WatchedMissingKeys keys, byte[] key, Func<bool> exists)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _gate = gate ?? throw new ArgumentNullException(nameof(gate));
        _keys = keys;
        _key = key;
        _exists = exists;
        lock (gate)
        {
            _counter = keys.Add(key);
            _writesAtWatch = _counter.Writes;
        }
    }

    public override bool Changed()
    {
        long writes;
        lock (_gate) writes = _counter.Writes;
        return writes != _writesAtWatch || _exists();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                if (!_disposed) _keys.Release(_key, _counter);
                _disposed = true;
            }
        }
        base.Dispose(disposing);
    }
}
