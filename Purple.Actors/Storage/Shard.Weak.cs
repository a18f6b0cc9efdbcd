namespace Purple.Actors.Storage;

// The weak policy: an evicted entry stops counting against capacity but stays reachable through a
// WeakReference until the GC takes it. Reads may bring it back; writes drop it (FindForWrite).
internal sealed partial class Shard
{
    public void Demote(Keyspace space, Entry entry)
    {
        Remove(space, entry);
        var weak = space.Weak ??= new HashTable();
        uint hash = HashNode.BucketHash(entry.Key);
        if (weak.Find(entry.Key, hash) is { } stale) weak.Remove(stale);
        weak.Add(new WeakNode(entry), hash);
    }

    private Entry? Resurrect(Keyspace space, ReadOnlySpan<byte> key, uint hash, long now)
    {
        var node = (WeakNode?)space.Weak!.Find(key, hash);
        if (node is null) return null;
        space.Weak.Remove(node);
        if (!node.Target.TryGetTarget(out var entry)) return null;
        if (entry.IsExpired(now))
        {
            // It would have expired in the table too; count it the same way.
            ExpiredKeys++;
            return null;
        }
        Insert(space, entry, hash);
        return entry;
    }

    /// <summary>Drops weak copies whose target was collected or has expired. Returns how many were dropped.</summary>
    public int PruneWeak(long now)
    {
        int dropped = 0;
        var doomed = new List<HashNode>();
        foreach (var space in _keyspaces)
        {
            if (space?.Weak is not { Count: > 0 } weak) continue;
            foreach (var node in weak)
            {
                if (!((WeakNode)node).Target.TryGetTarget(out var entry) || entry.IsExpired(now)) doomed.Add(node);
            }
            foreach (var node in doomed) weak.Remove(node);
            dropped += doomed.Count;
            doomed.Clear();
        }
        return dropped;
    }

    public int WeakCount(int db) => _keyspaces[db]?.Weak?.Count ?? 0;
}
