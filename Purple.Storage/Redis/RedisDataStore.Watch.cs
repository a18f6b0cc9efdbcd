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
    // Per database, created at the first watch of a missing key; guarded by _watchGate.
    private WatchedMissingKeys?[]? _watchedMissing;

    public KeyWatch Watch(int db, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        WatchedMissingKeys keys;
        lock (_watchGate) keys = (_watchedMissing ??= new WatchedMissingKeys?[Databases])[db] ??= new WatchedMissingKeys();
        // Registered before the version is read, so a creation between the two is counted.
        var watch = new MissingKeyWatch(_watchGate, keys, key, () => KeyVersion(db, key) != 0);
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
        // Until a first watch of a missing key, no lock; after it, an uncontended one beside a round trip to Redis.
        if (result.Status != ExecStatus.Ok || Volatile.Read(ref _watchedMissing) is null) return;
        lock (_watchGate)
        {
            if (_watchedMissing![command.Db] is not { Count: > 0 } keys) return;
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
}
