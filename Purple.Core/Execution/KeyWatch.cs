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
