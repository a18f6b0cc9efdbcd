using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

// WATCH over Redis. A key that exists is watched by its CAS (KeyVersion), which every write through Purple changes. A key
// missing when watched is also registered here, and writes through this node that create it (or that Redis counts as a
// write of it though nothing stays) are counted: a key created and deleted again before EXEC is missing at both ends.
// Like MULTI/EXEC themselves, this sees this node's writes only, not other front ends' or other Redis clients'
// (docs/storage.md).
public sealed partial class RedisDataStore
{
    private readonly Lock _watchGate = new();
    private WatchedMissingKeys?[]? _watchedMissing;
    private int _missingWatches;

    public KeyWatch Watch(int db, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        WatchedMissingKeys.Counter counter;
        long writesAtWatch;
        // Registered before the version is read, so a creation between the two is counted.
        lock (_watchGate)
        {
            var keys = (_watchedMissing ??= new WatchedMissingKeys?[Databases])[db] ??= new WatchedMissingKeys();
            counter = keys.Add(key);
            writesAtWatch = counter.Writes;
            _missingWatches++;
        }
        var watch = new MissingKeyWatch(this, db, key, counter, writesAtWatch);
        ulong version;
        try
        {
            version = KeyVersion(db, key);
        }
        catch
        {
            watch.Dispose();
            throw;
        }
        if (version == 0) return watch;
        watch.Dispose();
        return new VersionWatch(this, db, key, version);
    }

    /// <summary>After a write that did what it asked: counts it for the watches of the keys it may have created.</summary>
    private void NoteWrite(WriteCommand command, ExecResult result)
    {
        if (result.Status != ExecStatus.Ok || Volatile.Read(ref _missingWatches) == 0) return;
        lock (_watchGate)
        {
            if (_watchedMissing?[command.Db] is not { Count: > 0 } keys) return;
            switch (command)
            {
                case SetCommand c: keys.Written(c.Key); break;
                case IncrByCommand c: keys.Written(c.Key); break;
                case AppendCommand c: keys.Written(c.Key); break;
                case SAddCommand c: keys.Written(c.Key); break;
                case RenameCommand c: keys.Written(c.Destination); break;
                case MSetCommand c:
                    foreach (var key in c.Keys) keys.Written(key);
                    break;
            }
        }
    }

    private sealed class MissingKeyWatch(RedisDataStore store, int db, byte[] key, WatchedMissingKeys.Counter counter, long writesAtWatch)
        : KeyWatch
    {
        private bool _disposed;

        public override bool Changed()
        {
            long writes;
            lock (store._watchGate) writes = counter.Writes;
            return writes != writesAtWatch || store.KeyVersion(db, key) != 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                lock (store._watchGate)
                {
                    if (!_disposed)
                    {
                        store._watchedMissing![db]!.Release(key, counter);
                        store._missingWatches--;
                    }
                    _disposed = true;
                }
            }
            base.Dispose(disposing);
        }
    }
}
