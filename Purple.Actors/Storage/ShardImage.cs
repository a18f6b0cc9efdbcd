using Purple.Core.Execution;

namespace Purple.Actors.Storage;

/// <summary>One shard's part of a running snapshot capture (<c>Shard.Image.cs</c>). Guarded by the shard's lock.</summary>
internal sealed class ShardImage
{
    /// <summary>What a shard holds outside a capture: it takes nothing (no entry reaches it while marks agree).</summary>
    public static readonly ShardImage Ended = new() { Discarding = true, Done = true };

    /// <summary>Unix ms at the capture's point: an entry expired then is not part of the image.</summary>
    public long Now;

    /// <summary>Set when the image will not be read on (it was disposed early): entries are marked, not taken.</summary>
    public bool Discarding;

    /// <summary>Taken and not yet handed to the reader: by the walk, or by a write that reached an entry first.</summary>
    public List<ImageEntry> Taken = [];

    // Where the walk is: a database, a bucket of its table and the table's size when that bucket was reached.
    public int Db;
    public int Bucket;
    public int BucketCount;
    public bool Done;
    public readonly List<HashNode> Walked = [];
}
