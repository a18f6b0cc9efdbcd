using Purple.Core.Execution;

namespace Purple.Actors.Storage;

/// <summary>
/// One database's slice inside one shard: the key table, an index of the entries that have a TTL (what
/// the active sweep and volatile eviction sample), and, under the weak policy, the demoted entries.
/// Guarded by the shard's lock.
/// </summary>
internal sealed class Keyspace
{
    public readonly HashTable Table = new();

    /// <summary>The database this slice belongs to (a snapshot's capture records it with each key).</summary>
    public readonly int Db;

    public Keyspace(int db)
    {
        Db = db;
    }

    private Entry[] _volatile = [];

    /// <summary>Keys watched while missing (RESP WATCH); null until the first such watch.</summary>
    public WatchedMissingKeys? WatchedMissing;

    /// <summary>Tells watches of a missing key that it was written: on its creation, and by a write that stored nothing.</summary>
    public void WrittenWhileMissing(ReadOnlySpan<byte> key)
    {
        if (WatchedMissing is { Count: > 0 } watched) watched.Written(key);
    }

    public int VolatileCount { get; private set; }

    /// <summary>Keys demoted by the weak policy; nodes are <see cref="WeakNode"/>. Created on first demotion.</summary>
    public HashTable? Weak;

    public Entry VolatileAt(int index) => _volatile[index];

    /// <summary>Keeps the TTL index in step with <see cref="Entry.ExpiresAt"/>; call after every TTL change.</summary>
    public void TrackExpiry(Entry entry)
    {
        if (entry.ExpiresAt != 0)
        {
            if (entry.ExpiryIndex >= 0) return;
            if (VolatileCount == _volatile.Length) Array.Resize(ref _volatile, Math.Max(8, _volatile.Length * 2));
            entry.ExpiryIndex = VolatileCount;
            _volatile[VolatileCount++] = entry;
        }
        else
        {
            Untrack(entry);
        }
    }

    public void Untrack(Entry entry)
    {
        int index = entry.ExpiryIndex;
        if (index < 0) return;
        var last = _volatile[--VolatileCount];
        _volatile[index] = last;
        last.ExpiryIndex = index;
        _volatile[VolatileCount] = null!;
        entry.ExpiryIndex = -1;
        if (_volatile.Length > 64 && VolatileCount * 4 < _volatile.Length) Array.Resize(ref _volatile, _volatile.Length / 2);
    }

    public void Clear()
    {
        Table.Clear();
        _volatile = [];
        VolatileCount = 0;
        Weak = null;
    }
}

/// <summary>A demoted key: the key bytes stay strong (they are small) so lookups work; the entry may be collected.</summary>
internal sealed class WeakNode : HashNode
{
    public readonly WeakReference<Entry> Target;

    public WeakNode(Entry entry) : base(entry.Key)
    {
        Target = new WeakReference<Entry>(entry);
    }
}
