namespace Purple.Actors.Storage;

/// <summary>
/// A link of a <see cref="HashTable"/> chain. Keys and set members share this shape so one table
/// implementation (and one SCAN cursor algorithm) serves both.
/// </summary>
internal class HashNode
{
    public byte[] Key;
    public HashNode? Next;
    /// <summary>High 32 bits of <c>KeyHash.Hash64(Key)</c>; the low bits pick the shard, so buckets use the others.</summary>
    public uint Hash;

    public HashNode(byte[] key, uint hash)
    {
        Key = key;
        Hash = hash;
    }

    public static uint BucketHash(ulong hash64) => (uint)(hash64 >> 32);
}
