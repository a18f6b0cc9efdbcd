namespace Purple.Core.Execution;

/// <summary>
/// What the engine remembers about how a string has been used since its value was last written — the
/// per-item state memcached's meta commands expose (docs/memcached.md, "Meta command item state").
/// A write that replaces the value starts again from <see cref="None"/>; a change of expiry keeps it.
/// </summary>
[Flags]
public enum ItemState : byte
{
    None = 0,
    /// <summary>Its value has been read (GET, MGET, GETEX, memcached get/gat/touch/mg) since it was written.</summary>
    Fetched = 1,
    /// <summary>Marked stale by <see cref="Commands.InvalidateCommand"/>: still served, but due to be recomputed.</summary>
    Stale = 2,
    /// <summary>Its lease — the right to recompute it — was handed out (<see cref="Commands.LeaseCommand"/>) and not yet ended by a write.</summary>
    LeaseTaken = 4,
}

/// <summary>How a read treats the item it finds.</summary>
[Flags]
public enum ItemReadOptions : byte
{
    /// <summary>A read of the value: counted as a hit or miss, refreshes recency (LRU/LFU) and marks the item fetched.</summary>
    None = 0,
    /// <summary>Leave recency and the fetched mark as they were (memcached mg u, me).</summary>
    NoTouch = 1,
    /// <summary>Do not count a hit or miss (a metadata read such as memcached me, like TYPE and TTL).</summary>
    NoStats = 2,
}

/// <summary>
/// An item's use as it was before the read that returns it: <see cref="LastAccessMs"/> is the Unix time (ms) of
/// the last read or write that touched it — to the millisecond under the LRU, weak and none policies, to the
/// second under LFU, whose access word keeps a minute stamp plus the second in that minute.
/// </summary>
public readonly record struct ItemAccess(long LastAccessMs, ItemState State)
{
    public bool Fetched => (State & ItemState.Fetched) != 0;
    public bool Stale => (State & ItemState.Stale) != 0;
    public bool LeaseTaken => (State & ItemState.LeaseTaken) != 0;
}
