namespace Purple.Core.Commands;

/// <summary>
/// A protocol-neutral write. Every protocol turns its requests into these records, the executor
/// applies them, the journal stores them and (later) Raft replicates them. RESP's hottest writes skip the object and
/// hand the store the request's bytes (IDataStore.SpanWrites.cs); the journal still receives these records' exact
/// codec form (<see cref="CommandCodec.WriteSet"/> and the other span forms). Applying one is
/// deterministic: relative TTLs are already absolute (<c>ExpiresAt</c>, Unix ms) and randomness is
/// carried in the record (<see cref="SPopCommand.Seed"/>); the executor supplies the time of
/// application with the record. Byte arrays are owned by the record and never mutated afterwards,
/// so the engine may store them as they are.
/// </summary>
public abstract record WriteCommand(int Db)
{
    public abstract CommandCode Code { get; }
}

/// <summary>Condition under which <see cref="SetCommand"/> stores.</summary>
public enum SetCondition : byte
{
    Always = 0,
    /// <summary>Only if the key does not exist (Redis NX, memcached add).</summary>
    IfNotExists = 1,
    /// <summary>Only if the key exists (Redis XX, memcached replace).</summary>
    IfExists = 2,
    /// <summary>Only if the item's CAS equals <see cref="SetCommand.ExpectedCas"/> (memcached cas).</summary>
    IfCasMatches = 3,
    /// <summary>
    /// memcached ms with C and I: as <see cref="IfCasMatches"/>, but an <see cref="SetCommand.ExpectedCas"/> lower than
    /// the item's (a writer that read an older version) still stores, marked <see cref="Execution.ItemState.Stale"/>,
    /// keeping the item's expiry and lease. A higher one, or 0 (memcached's "no CAS"), is a CasMismatch. Added after the
    /// first layout (append-only).
    /// </summary>
    IfCasMatchesOrStale = 4,
}

[Flags]
public enum SetOptions : byte
{
    None = 0,
    /// <summary>Keep the current TTL instead of <see cref="SetCommand.ExpiresAt"/> (Redis KEEPTTL).</summary>
    KeepTtl = 1,
    /// <summary>Return the previous string value (Redis SET … GET, GETSET); WRONGTYPE if it is not a string.</summary>
    ReturnOld = 2,
}

/// <summary>
/// Store a string. <paramref name="ExpiresAt"/> is Unix ms, 0 for no expiry. Result: Ok, or
/// NotPerformed when the condition failed, or Missing when <see cref="SetCondition.IfCasMatches"/>
/// found no key, CasMismatch when the CAS differs. With <see cref="SetOptions.ReturnOld"/> the old value
/// is in <see cref="Execution.ExecResult.Value"/> (null when there was none).
/// </summary>
public sealed record SetCommand(
    int Db, byte[] Key, byte[] Value, long ExpiresAt = 0,
    SetCondition Condition = SetCondition.Always, SetOptions Options = SetOptions.None,
    uint ClientFlags = 0, string? ContentType = null, ulong ExpectedCas = 0) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Set;
}

/// <summary>Delete keys of any type. Result: Integer = number of keys removed.</summary>
public sealed record DeleteCommand(int Db, byte[][] Keys) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Delete;
}

/// <summary>
/// Redis 7's EXPIRE conditions. Append-only (the value is persisted in the record). XX with GT is GT
/// (GT already fails without a TTL); XX with LT differs from LT, which treats "no TTL" as infinite.
/// </summary>
public enum ExpireCondition : byte { Always = 0, NX = 1, XX = 2, GT = 3, LT = 4, XXLT = 5 }

/// <summary>
/// Set an absolute expiry (Unix ms). An expiry at or before the time of application deletes the key,
/// as Redis does. Result: Integer 1 if the timeout was set (or the key deleted), 0 if the key is
/// missing or the condition failed.
/// </summary>
public sealed record ExpireCommand(int Db, byte[] Key, long ExpiresAt, ExpireCondition Condition = ExpireCondition.Always)
    : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Expire;
}

/// <summary>Remove the expiry. Result: Integer 1 if a timeout was removed, else 0.</summary>
public sealed record PersistCommand(int Db, byte[] Key) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Persist;
}

public enum IncrMode : byte
{
    /// <summary>Redis/HTTP/gRPC rule: a missing key counts as 0; signed 64-bit; overflow is an error.</summary>
    Signed = 0,
    /// <summary>memcached incr: key must exist; unsigned 64-bit, wraps at 2^64. Delta is the unsigned amount bit for bit.</summary>
    MemcachedIncr = 1,
    /// <summary>memcached decr: key must exist; unsigned 64-bit, floors at 0. Delta is the unsigned amount bit for bit.</summary>
    MemcachedDecr = 2,
}

/// <summary>
/// Add <paramref name="Delta"/> to the integer held in a string; the TTL and metadata are kept.
/// Result: Integer = the new value (for memcached modes, reinterpret as ulong); Missing for memcached
/// modes when the key does not exist; errors NotInteger, Overflow, WrongType.
/// </summary>
public sealed record IncrByCommand(int Db, byte[] Key, long Delta, IncrMode Mode = IncrMode.Signed) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.IncrBy;
}

/// <summary>
/// Append (or prepend) bytes to a string, keeping TTL and metadata. When <paramref name="MustExist"/>
/// (memcached append/prepend) a missing key gives Missing; otherwise a missing key is created.
/// Result: Integer = the new length.
/// </summary>
public sealed record AppendCommand(int Db, byte[] Key, byte[] Value, bool Prepend = false, bool MustExist = false)
    : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Append;
}

/// <summary>
/// Set several keys atomically (across shards). With <paramref name="OnlyIfNoneExist"/> (MSETNX) nothing is
/// set if any key exists. Result: Integer 1 if set, 0 if not. Keys and Values have equal length.
/// </summary>
public sealed record MSetCommand(int Db, byte[][] Keys, byte[][] Values, bool OnlyIfNoneExist = false) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.MSet;
}

/// <summary>
/// Rename a key, keeping its value, type, TTL and metadata. Error NoSuchKey when the source is missing.
/// With <paramref name="OnlyIfTargetMissing"/> (RENAMENX): Integer 1 if renamed, 0 if the target exists.
/// </summary>
public sealed record RenameCommand(int Db, byte[] Source, byte[] Destination, bool OnlyIfTargetMissing = false)
    : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Rename;
}

/// <summary>Add members to a set (created if missing). Result: Integer = members newly added.</summary>
public sealed record SAddCommand(int Db, byte[] Key, byte[][] Members) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.SAdd;
}

/// <summary>Remove members; an emptied set is deleted. Result: Integer = members removed.</summary>
public sealed record SRemCommand(int Db, byte[] Key, byte[][] Members) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.SRem;
}

/// <summary>
/// Remove and return random members, chosen deterministically from <paramref name="Seed"/> (the entry
/// point draws it). <paramref name="Count"/> &lt; 0 means "SPOP key" without a count: Value holds the
/// member or null. Otherwise Values holds up to Count members.
/// </summary>
public sealed record SPopCommand(int Db, byte[] Key, long Count, ulong Seed) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.SPop;
}

/// <summary>Remove every key of one database.</summary>
public sealed record FlushDbCommand(int Db) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.FlushDb;
}

/// <summary>Remove every key of every database (Db is ignored; 0 by convention).</summary>
public sealed record FlushAllCommand() : WriteCommand(0)
{
    public override CommandCode Code => CommandCode.FlushAll;
}

/// <summary>Delete a string and return its value (Value, null when missing). WRONGTYPE for sets.</summary>
public sealed record GetDelCommand(int Db, byte[] Key) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.GetDel;
}

public enum GetExAction : byte { None = 0, SetExpiry = 1, Persist = 2 }

/// <summary>
/// Return a string's value and optionally change its expiry (Redis GETEX, memcached gat/touch-on-read).
/// Result: Value (null when missing), plus <see cref="Execution.ExecResult.Item"/> with flags and CAS.
/// An expiry in the past deletes the key after reading it.
/// </summary>
public sealed record GetExCommand(int Db, byte[] Key, GetExAction Action, long ExpiresAt = 0) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.GetEx;
}

/// <summary>
/// Mark a string stale instead of deleting it (memcached md with I): it stays readable, readers are told it is
/// stale, and its lease is freed so the next reader wins it (<see cref="LeaseCommand"/>). Gives the item a new CAS
/// and, with <paramref name="Expiry"/>, a new expiry (an expiry at or before the time of application deletes it).
/// With <paramref name="CompareCas"/>, only if the item's CAS equals <paramref name="ExpectedCas"/>.
/// Result: Ok with Item; Missing (no key, or not a string); CasMismatch.
/// </summary>
public sealed record InvalidateCommand(int Db, byte[] Key, GetExAction Expiry = GetExAction.None, long ExpiresAt = 0,
    bool CompareCas = false, ulong ExpectedCas = 0) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Invalidate;
}

/// <summary>
/// The write half of a read with a lease (memcached mg with N, R or T; anti-dogpiling), in one step under the key's
/// lock: with <paramref name="Vivify"/> create a missing key as an empty string expiring at
/// <paramref name="VivifyExpiresAt"/>; change an existing item's expiry (<paramref name="Expiry"/>,
/// <paramref name="ExpiresAt"/>; at or before the time of application the item is returned and deleted); then hand
/// the lease — the right to recompute the value — to this caller if nobody holds it and the item was just created,
/// is stale, or has an expiry before <paramref name="RecacheBefore"/> (Unix ms, 0 = never). That expiry is the one
/// before this command's change, or after it with <paramref name="RecacheAfterExpiry"/>. Handing out the lease
/// changes neither the value nor the CAS; creating the key or changing its expiry does.
/// Result: Ok with Item (as the command left it) and Integer = <see cref="LeaseOutcome"/>; Missing; WrongType.
/// </summary>
public sealed record LeaseCommand(int Db, byte[] Key, GetExAction Expiry = GetExAction.None, long ExpiresAt = 0,
    bool Vivify = false, long VivifyExpiresAt = 0, long RecacheBefore = 0, bool RecacheAfterExpiry = false) : WriteCommand(Db)
{
    public override CommandCode Code => CommandCode.Lease;
}

/// <summary>What a <see cref="LeaseCommand"/> did and found; its result's Integer.</summary>
[Flags]
public enum LeaseOutcome : byte
{
    None = 0,
    /// <summary>This caller got the lease (memcached W).</summary>
    Won = 1,
    /// <summary>The key was missing and was created empty.</summary>
    Created = 2,
    /// <summary>The item is stale (memcached X).</summary>
    Stale = 4,
    /// <summary>Someone else already held the lease (memcached Z).</summary>
    Taken = 8,
}
