using System.Runtime.CompilerServices;

namespace Purple.Actors.Storage;

/// <summary>
/// Chained hash table over <see cref="HashNode"/> with a power-of-two bucket array. Written by hand
/// (rather than Dictionary) for three reasons: lookups by <see cref="ReadOnlySpan{T}"/> without
/// allocating, SCAN's reverse-binary cursor (which needs to know bucket layout), and eviction
/// sampling from random buckets. Not thread-safe: the owning shard's lock guards it.
/// </summary>
internal sealed class HashTable
{
    private const int MinBuckets = 4;

    private const int ResizeLookahead = 16;

    private HashNode?[] _buckets = new HashNode?[MinBuckets];

    public int Count { get; private set; }

    public int BucketCount => _buckets.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HashNode? Find(ReadOnlySpan<byte> key, uint hash)
    {
        HashNode? node = _buckets[hash & (uint)(_buckets.Length - 1)];
        while (node is not null)
        {
            if (key.SequenceEqual(node.Key)) return node;
            node = node.Next;
        }
        return null;
    }

    /// <summary>
    /// First step of a batched lookup (<see cref="CachePrefetch"/>): fetch the bucket slot. Safe without the shard's
    /// lock, as a hint: the bucket array is read once, so a concurrent resize makes it look into the old array, never
    /// out of its range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchBucket(uint hash)
    {
        var buckets = _buckets;
        CachePrefetch.At(ref buckets[hash & (uint)(buckets.Length - 1)]);
    }

    /// <summary>The chain's first node, for the later steps of a batched lookup (lock-free as <see cref="PrefetchBucket"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HashNode? BucketHead(uint hash)
    {
        var buckets = _buckets;
        return buckets[hash & (uint)(buckets.Length - 1)];
    }

    /// <summary>Adds a node whose key is known to be absent; <paramref name="hash"/> is its <see cref="HashNode.BucketHash(ReadOnlySpan{byte})"/>.</summary>
    public void Add(HashNode node, uint hash)
    {
        if (Count >= _buckets.Length) Resize(_buckets.Length * 2);
        ref HashNode? head = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        node.Next = head;
        head = node;
        Count++;
    }

    public bool Remove(HashNode node)
    {
        ref HashNode? link = ref _buckets[HashNode.BucketHash(node.Key) & (uint)(_buckets.Length - 1)];
        while (link is not null)
        {
            if (ReferenceEquals(link, node))
            {
                link = node.Next;
                node.Next = null;
                Count--;
                // Shrink below 1/8 load so SCAN and sampling do not wander through empty buckets.
                if (_buckets.Length > MinBuckets && Count * 8 < _buckets.Length) Resize(_buckets.Length / 2);
                return true;
            }
            link = ref link.Next;
        }
        return false;
    }

    public void Clear()
    {
        _buckets = new HashNode?[MinBuckets];
        Count = 0;
    }

    // A resize walks every node; while recovery grows a table from empty, those walks would otherwise run as the
    // first, unoptimized code of tiered compilation (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Resize(int size)
    {
        var old = _buckets;
        var fresh = new HashNode?[size];
        uint mask = (uint)(size - 1);
        for (int i = 0; i < old.Length; i++)
        {
            // Each node's new bucket needs its key's hash: two dependent cache misses (the node, then its key) per node,
            // in an order the hardware cannot guess. Asking for the nodes a few buckets ahead, and for the keys of nodes
            // asked for earlier, overlaps them (docs/performance.md, "Replay with lookahead").
            if (i + 2 * ResizeLookahead < old.Length) CachePrefetch.Object(old[i + 2 * ResizeLookahead]);
            if (i + ResizeLookahead < old.Length && old[i + ResizeLookahead] is { } soon) CachePrefetch.Object(soon.Key);
            var node = old[i];
            while (node is not null)
            {
                var next = node.Next;
                ref HashNode? slot = ref fresh[HashNode.BucketHash(node.Key) & mask];
                node.Next = slot;
                slot = node;
                node = next;
            }
        }
        _buckets = fresh;
    }

    /// <summary>
    /// Visits one bucket of a reverse-binary scan and returns the next cursor (0 when the scan is complete).
    /// The cursor increments its bits from the most significant end, so the buckets already visited at one
    /// table size map onto buckets already visited at any other size: a key present throughout is seen at
    /// least once even if the table grows or shrinks between calls (Redis's dictScan guarantee).
    /// </summary>
    public uint ScanStep(uint cursor, List<HashNode> visited)
    {
        uint mask = (uint)(_buckets.Length - 1);
        for (var node = _buckets[cursor & mask]; node is not null; node = node.Next) visited.Add(node);
        return NextCursor(cursor, mask);
    }

    public static uint NextCursor(uint cursor, uint mask)
    {
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }

    /// <summary>
    /// Adds the nodes of the buckets from <paramref name="bucket"/> on until <paramref name="budget"/> were added or the
    /// table ends, and returns the bucket to go on from (<see cref="BucketCount"/> at the end). For a walk spread over
    /// many calls while the table changes: a node in a bucket before the position stays before it as the table grows
    /// (sizes are powers of two, so its bucket modulo the old size is what it was), but not as it shrinks, so a caller
    /// that sees <see cref="BucketCount"/> fall must start again from 0.
    /// </summary>
    public int WalkBuckets(int bucket, int budget, List<HashNode> output)
    {
        var buckets = _buckets;
        int added = 0;
        for (; bucket < buckets.Length && added < budget; bucket++)
        {
            if (bucket + Enumerator.PrefetchBuckets < buckets.Length) CachePrefetch.Object(buckets[bucket + Enumerator.PrefetchBuckets]);
            for (var node = buckets[bucket]; node is not null; node = node.Next)
            {
                output.Add(node);
                added++;
            }
        }
        return bucket;
    }

    /// <summary>
    /// Collects up to <paramref name="max"/> nodes from consecutive buckets starting at a random one (like
    /// Redis's dictGetSomeKeys): cheap, and random enough for approximate eviction.
    /// </summary>
    public void Sample(ref XorShift rng, int max, List<HashNode> output)
    {
        if (Count == 0) return;
        int mask = _buckets.Length - 1;
        int start = (int)(rng.Next() & (uint)mask);
        int taken = 0;
        for (int step = 0; step <= mask && taken < max; step++)
        {
            for (var node = _buckets[(start + step) & mask]; node is not null && taken < max; node = node.Next)
            {
                output.Add(node);
                taken++;
            }
        }
    }

    /// <summary>A uniformly random bucket's chain, then a uniformly random link of it (Redis's dictGetRandomKey).</summary>
    public HashNode? RandomNode(ref XorShift rng)
    {
        if (Count == 0) return null;
        uint mask = (uint)(_buckets.Length - 1);
        HashNode? head;
        do head = _buckets[rng.Next() & mask]; while (head is null);
        int length = 0;
        for (var n = head; n is not null; n = n.Next) length++;
        int pick = (int)(rng.Next() % (uint)length);
        while (pick-- > 0) head = head!.Next;
        return head;
    }

    /// <summary>All nodes, for KEYS, set materialisation and flush accounting. Callers must not mutate during the walk.</summary>
    public Enumerator GetEnumerator() => new(_buckets);

    public struct Enumerator
    {
        internal const int PrefetchBuckets = 16;

        private readonly HashNode?[] _buckets;
        private int _bucket;
        private HashNode? _node;

        internal Enumerator(HashNode?[] buckets)
        {
            _buckets = buckets;
            _bucket = -1;
            _node = null;
        }

        public readonly HashNode Current => _node!;

        public bool MoveNext()
        {
            if (_node?.Next is { } next)
            {
                _node = next;
                return true;
            }
            while (++_bucket < _buckets.Length)
            {
                // A walk of the whole table (KEYS, defrag, a flush) is a cache miss per node taken one after the
                // other; asking for the node a few buckets ahead lets those misses overlap.
                if (_bucket + PrefetchBuckets < _buckets.Length) CachePrefetch.Object(_buckets[_bucket + PrefetchBuckets]);
                if (_buckets[_bucket] is { } head)
                {
                    _node = head;
                    return true;
                }
            }
            _node = null;
            return false;
        }
    }
}
