namespace Purple.Core.Execution;

using Purple.Core.Commands;

/// <summary>Which combination SINTER/SUNION/SDIFF computes.</summary>
public enum SetOperation : byte { Intersect, Union, Difference }

/// <summary>What <see cref="IDataStore.ReadItem"/> hands a string to: the key read, its bytes (both valid only during the
/// call), client flags and CAS.</summary>
public delegate void StringItemReader(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint clientFlags, ulong cas, object state);

/// <summary>
/// The one path from every protocol to the data (DESIGN §4). Writes go through <see cref="Execute"/>
/// as records, or, for the hottest, through the span methods of <c>IDataStore.SpanWrites.cs</c>, each defined as the
/// record it stands for; reads are direct calls. Every method is thread-safe and linearizable per key;
/// methods taking several keys are atomic across shards. An expired key behaves as missing everywhere.
/// Database indexes are validated by the caller (0 ≤ db &lt; <see cref="Databases"/>).
/// </summary>
public partial interface IDataStore
{
    int Databases { get; }

    /// <summary>Apply a write at the current time. Never throws for data errors: they come back as <see cref="ExecStatus.Failed"/>.</summary>
    ExecResult Execute(WriteCommand command);

    /// <summary>True if a write may proceed now: false when memory is over capacity and eviction cannot free any (the OOM rule).</summary>
    bool CanAcceptWrite();

    ReadStatus TryGet(int db, ReadOnlySpan<byte> key, out StringItem item);

    /// <summary>
    /// <see cref="ReadString"/> for memcached's retrievals: the string's bytes with its client flags and CAS, under the
    /// same rules (valid only during the call, <paramref name="read"/> must not call the store).
    /// </summary>
    ReadStatus ReadItem(int db, ReadOnlySpan<byte> key, object state, StringItemReader read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var status = TryGet(db, key, out var item);
        if (status == ReadStatus.Found) read(key, item.Value, item.ClientFlags, item.Cas, state);
        return status;
    }

    /// <summary>
    /// <see cref="TryGet"/> that hands the string's bytes to <paramref name="read"/> instead of returning them, while the
    /// key cannot change: the span is valid only during the call, and <paramref name="read"/> must not call the store.
    /// A reply written straight from the stored bytes leaves the engine owning them, so the key's next write of the same
    /// length needs no new array (docs/engine.md). Called only when the result is <see cref="ReadStatus.Found"/>. Not
    /// generic, so a call through the interface is a plain virtual call, not a generic virtual method lookup.
    /// </summary>
    ReadStatus ReadString(int db, ReadOnlySpan<byte> key, object state, System.Buffers.ReadOnlySpanAction<byte, object> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var status = TryGet(db, key, out var item);
        if (status == ReadStatus.Found) read(item.Value, state);
        return status;
    }

    /// <summary>
    /// <see cref="TryGet"/> that also reports how the item had been used before this read (<paramref name="access"/>:
    /// last access time, fetched, stale, lease taken), and that with <see cref="ItemReadOptions.NoTouch"/> leaves no
    /// trace on it. <paramref name="access"/> is default unless the result is <see cref="ReadStatus.Found"/>.
    /// </summary>
    ReadStatus TryGetItem(int db, ReadOnlySpan<byte> key, ItemReadOptions options, out StringItem item, out ItemAccess access);

    /// <summary>MGET: one entry per key, null for missing keys and keys of other types.</summary>
    byte[]?[] GetMany(int db, byte[][] keys);

    /// <summary>Number of the given keys that exist (a key named twice counts twice, as in Redis).</summary>
    long Exists(int db, byte[][] keys);

    DataType TypeOf(int db, ReadOnlySpan<byte> key);

    /// <summary>-2 when the key is missing, -1 when it has no expiry, else the absolute expiry in Unix ms.</summary>
    long GetExpiresAt(int db, ReadOnlySpan<byte> key);

    /// <summary>Keys matching a Redis glob pattern (KEYS).</summary>
    List<byte[]> Keys(int db, ReadOnlySpan<byte> pattern);

    /// <summary>
    /// One SCAN step. Returns the next cursor (0 when done). A key present for the whole iteration is
    /// returned at least once, whatever writes or resizes happen between calls.
    /// </summary>
    ulong Scan(int db, ulong cursor, ReadOnlySpan<byte> pattern, int count, DataType typeFilter, List<byte[]> output);

    long DbSize(int db);

    ReadStatus SetMembers(int db, ReadOnlySpan<byte> key, out byte[][] members);

    ReadStatus SetContains(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member, out bool contains);

    ReadStatus SetContainsMany(int db, ReadOnlySpan<byte> key, byte[][] members, out bool[] contains);

    ReadStatus SetCardinality(int db, ReadOnlySpan<byte> key, out long count);

    /// <summary>SRANDMEMBER: count &gt;= 0 distinct members (up to the set size); count &lt; 0 |count| members, repeats allowed.</summary>
    ReadStatus SetRandomMembers(int db, ReadOnlySpan<byte> key, long count, out byte[][] members);

    /// <summary>SINTER/SUNION/SDIFF over keys, atomically; missing keys are empty sets; WrongType if any key is not a set.</summary>
    ReadStatus SetCombine(int db, byte[][] keys, SetOperation operation, out byte[][] members);

    /// <summary>One SSCAN step over a set's members; same guarantee as <see cref="Scan"/>.</summary>
    ReadStatus SetScan(int db, ReadOnlySpan<byte> key, ulong cursor, ReadOnlySpan<byte> pattern, int count, List<byte[]> output, out ulong nextCursor);

    /// <summary>
    /// The version of a key for WATCH: the CAS of the item (strings and sets alike), 0 when missing.
    /// Any write of the key, its deletion or its expiry changes it.
    /// </summary>
    ulong KeyVersion(int db, ReadOnlySpan<byte> key);

    /// <summary>WATCH of one key: what EXEC asks whether the key was written since. The caller disposes it.</summary>
    KeyWatch Watch(int db, byte[] key) => new VersionWatch(this, db, key, KeyVersion(db, key));

    /// <summary>How many keys of one <see cref="PrefetchKeys"/> hint a store looks at.</summary>
    public const int MaxPrefetchKeys = 64;

    /// <summary>
    /// A hint before reading several keys one at a time (memcached's multi-key get): the store may fetch what those
    /// reads will touch all at once rather than one after another. The keys are slices of <paramref name="buffer"/>.
    /// Changes nothing, answers nothing; a store without use for it ignores it, and keys past the first
    /// <see cref="MaxPrefetchKeys"/> are not looked at (callers need not pass more).
    /// </summary>
    void PrefetchKeys(int db, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> keys)
    {
    }

    /// <summary>
    /// The same hint for several commands on one set (a pipeline of SADD or SISMEMBER to one key): the store may fetch
    /// where those members' lookups in the set at <paramref name="key"/> will go. The members are slices of
    /// <paramref name="buffer"/>; past the first <see cref="MaxPrefetchKeys"/> they are not looked at. Returns whether
    /// the hint could be used (the key holds a set here), so a caller can stop offering hints nobody takes.
    /// </summary>
    bool PrefetchMembers(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> members) => false;

    /// <summary>
    /// Run <paramref name="body"/> with every shard held, so no other client's command interleaves (MULTI/EXEC).
    /// Calls to this store from inside <paramref name="body"/> on the same thread are allowed.
    /// </summary>
    T Atomically<T>(Func<T> body);

    /// <summary>Memory, eviction and keyspace figures for INFO and metrics.</summary>
    StoreStats GetStats();
}

/// <summary>Figures for INFO memory/stats/keyspace.</summary>
public sealed record StoreStats(
    long UsedBytes, long CapacityBytes, long Keys, long[] KeysPerDb, long[] ExpiresPerDb,
    long EvictedKeys, long ExpiredKeys, long Hits, long Misses, string EvictionPolicy, string EvictionScope,
    long OutOfMemoryRejections = 0);
