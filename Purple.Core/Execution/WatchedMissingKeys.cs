namespace Purple.Core.Execution;

/// <summary>
/// The keys of one database (or one shard's part of it) that RESP clients WATCH while they are missing, each with a
/// count of the times it was written since. A version cannot tell these watches anything: a key created and deleted
/// again between WATCH and EXEC is missing at both ends, yet Redis aborts that EXEC. Not thread-safe: the store guards
/// it with a lock of its own, which <see cref="MissingKeyWatch"/> takes too. A key leaves when its last watch ends, so
/// the table holds only what open watches need.
/// </summary>
public sealed class WatchedMissingKeys
{
    private readonly Dictionary<byte[], Counter> _keys = new(KeyComparer.Instance);

    /// <summary>One key's watches and writes; only <see cref="MissingKeyWatch"/> holds one.</summary>
    public sealed class Counter
    {
        internal int Watches;
        internal long Writes;
    }

    public int Count => _keys.Count;

    internal Counter Add(byte[] key)
    {
        if (!_keys.TryGetValue(key, out var counter)) _keys[key] = counter = new Counter();
        counter.Watches++;
        return counter;
    }

    internal void Release(byte[] key, Counter counter)
    {
        if (--counter.Watches == 0) _keys.Remove(key);
    }

    /// <summary>A write of <paramref name="key"/> (its creation, or a SET that stored nothing): watches of it see a change.</summary>
    public void Written(ReadOnlySpan<byte> key)
    {
        if (_keys.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out var counter)) counter.Writes++;
    }

    // The span form lets a write taken from a request's bytes look a key up without an array of its own.
    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] key) => GetHashCode((ReadOnlySpan<byte>)key);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
