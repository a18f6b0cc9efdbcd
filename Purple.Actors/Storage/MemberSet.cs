using Purple.Core;

namespace Purple.Actors.Storage;

/// <summary>
/// A set value: members in the same reverse-binary-scannable table as keys, so SSCAN has SCAN's guarantee.
/// Tracks the byte total of its members so the memory cost of a set is O(1) to compute.
/// </summary>
internal sealed class MemberSet
{
    private readonly HashTable _table = new();

    public int Count => _table.Count;

    /// <summary>Sum of member lengths.</summary>
    public long MemberBytes { get; private set; }

    public bool Contains(ReadOnlySpan<byte> member) => _table.Find(member, HashNode.BucketHash(KeyHash.Hash64(member))) is not null;

    /// <summary>Stores the member array itself (command arrays are never mutated after submission).</summary>
    public bool Add(byte[] member) => Add(member, member);

    /// <summary>Adds <paramref name="member"/>, storing <paramref name="array"/> (the same bytes, never mutated) when
    /// given, else a copy made only if the member is new.</summary>
    public bool Add(ReadOnlySpan<byte> member, byte[]? array)
    {
        uint hash = HashNode.BucketHash(KeyHash.Hash64(member));
        if (_table.Find(member, hash) is not null) return false;
        _table.Add(new HashNode(array ?? member.ToArray()), hash);
        MemberBytes += member.Length;
        return true;
    }

    /// <summary>
    /// One level of a member's lookup (<see cref="CachePrefetch"/>): 0 the bucket slot, 1 the chain's first node, 2 its
    /// bytes. The caller holds the owning shard's lock, so the table cannot change under it.
    /// </summary>
    public void PrefetchStep(uint hash, int step)
    {
        if (step == 0) _table.PrefetchBucket(hash);
        else if (_table.BucketHead(hash) is { } head) CachePrefetch.Object(step == 1 ? head : head.Key);
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        var node = _table.Find(member, HashNode.BucketHash(KeyHash.Hash64(member)));
        if (node is null) return false;
        RemoveNode(node);
        return true;
    }

    private void RemoveNode(HashNode node)
    {
        _table.Remove(node);
        MemberBytes -= node.Key.Length;
    }

    public byte[] PopRandom(ref XorShift rng)
    {
        var node = _table.RandomNode(ref rng)!;
        RemoveNode(node);
        return node.Key;
    }

    public byte[] PeekRandom(ref XorShift rng) => _table.RandomNode(ref rng)!.Key;

    public byte[][] ToArray()
    {
        var result = new byte[_table.Count][];
        int i = 0;
        foreach (var node in _table) result[i++] = node.Key;
        return result;
    }

    public HashTable.Enumerator GetEnumerator() => _table.GetEnumerator();

    public uint ScanStep(uint cursor, List<HashNode> visited) => _table.ScanStep(cursor, visited);
}
