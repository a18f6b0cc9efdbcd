using Purple.Core;

namespace Purple.Actors.Storage;

/// <summary>
/// A link of a <see cref="HashTable"/> chain. Keys and set members share this shape so one table
/// implementation (and one SCAN cursor algorithm) serves both. The bucket hash is not stored: its 4 bytes
/// would round a key's <see cref="Entry"/> up by 8, while recomputing it (on resize and removal only) is a
/// few nanoseconds for a short key.
/// </summary>
internal class HashNode
{
    public byte[] Key;
    public HashNode? Next;

    public HashNode(byte[] key)
    {
        Key = key;
    }

    /// <summary>High 32 bits of <c>KeyHash.Hash64(Key)</c>; the low bits pick the shard, so buckets use the others.</summary>
    public static uint BucketHash(ulong hash64) => (uint)(hash64 >> 32);

    public static uint BucketHash(ReadOnlySpan<byte> key) => BucketHash(KeyHash.Hash64(key));
}
