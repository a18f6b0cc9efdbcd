using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors.Storage;

// Single-key writes of strings and TTLs. Callers hold Gate; none of these read the clock or a random source.
internal sealed partial class Shard
{
    private static readonly ExecResult WrongType = ExecResult.Fail(PurpleError.WrongType);

    /// <param name="adoptValue">The command's value is an array nobody else holds (a replay): stored as it is, not copied.</param>
    public ExecResult Set(SetCommand c, uint hash, long now, bool adoptValue = false) =>
        Set(c.Db, StringWrite.From(c, adoptValue), hash, now);

    /// <summary>SET from a command or from a request's spans (<see cref="StringWrite"/>); the result's item only from a command.</summary>
    public ExecResult Set(int db, scoped in StringWrite w, uint hash, long now)
    {
        var space = SpaceForWrite(db);
        var existing = FindForWrite(space, w.Key, hash, now);
        byte[]? old = null;
        if ((w.Options & SetOptions.ReturnOld) != 0 && existing is not null)
        {
            if (!existing.IsString) return WrongType;
            old = existing.ShareString();
        }
        switch (w.Condition)
        {
            case SetCondition.IfNotExists when existing is not null:
            case SetCondition.IfExists when existing is null:
                return new ExecResult { Status = ExecStatus.NotPerformed, Value = old };
            // memcached's cas works on items, which are strings: a key of another type has no CAS to match.
            case SetCondition.IfCasMatches when existing is null || !existing.IsString:
                return ExecResult.Of(ExecStatus.Missing);
            case SetCondition.IfCasMatches when existing.Cas != w.ExpectedCas:
                return ExecResult.Of(ExecStatus.CasMismatch);
            case SetCondition.IfCasMatchesOrStale when existing is null || !existing.IsString:
                return ExecResult.Of(ExecStatus.Missing);
            // memcached reads a CAS of 0 as none given, which never matches.
            case SetCondition.IfCasMatchesOrStale when w.ExpectedCas == 0 || w.ExpectedCas > existing.Cas:
                return ExecResult.Of(ExecStatus.CasMismatch);
        }
        // memcached ms I with an older CAS: the late value is stored but stays stale, with the item's expiry and lease.
        bool storeStale = w.Condition == SetCondition.IfCasMatchesOrStale && w.ExpectedCas < existing!.Cas;
        var keptState = storeStale ? ItemState.Stale | (existing!.State & ItemState.LeaseTaken) : ItemState.None;
        long expiresAt = storeStale || (w.Options & SetOptions.KeepTtl) != 0 ? existing?.ExpiresAt ?? 0 : w.ExpiresAt;
        if (expiresAt != 0 && expiresAt <= now)
        {
            // An expiry already past stores nothing and removes the old value (Redis SET PXAT in the past,
            // memcached's negative exptime).
            if (existing is not null) Remove(space, existing);
            // Redis stores such a key and counts that as a write of it, which an EXEC watching it must see.
            else space.WrittenWhileMissing(w.Key);
            var gone = w.ValueArray is null ? default : new StringItem(w.ValueArray, w.ClientFlags, _engine.NextCas(), expiresAt, w.ContentType);
            return new ExecResult { Status = ExecStatus.Ok, Value = old, Item = gone };
        }
        var entry = StoreString(space, existing, w, expiresAt, keptState, hash, now);
        // The command's array holds the same bytes: handing it out leaves the entry owning its own.
        var item = w.ValueArray is null ? default : entry.ItemWith(w.ValueArray);
        return new ExecResult { Status = ExecStatus.Ok, Value = old, Item = item };
    }

    /// <summary>MSET's per key: an unconditional SET without expiry, with no command record and no item to return.</summary>
    public void SetPlain(Keyspace space, scoped in StringWrite w, uint hash, long now) =>
        StoreString(space, FindForWrite(space, w.Key, hash, now), w, 0, ItemState.None, hash, now);

    private Entry StoreString(Keyspace space, Entry? existing, scoped in StringWrite w, long expiresAt, ItemState keptState, uint hash, long now)
    {
        // The string is stored in an array of the entry's own, never the command's (a journal or a reply may still
        // hold that), so later writes of the same length and metadata copy into it instead of allocating
        // (Entry.OwnsBytes).
        var adoptable = w.AdoptValue ? w.ValueArray : null;
        if (existing is null)
        {
            var bytes = adoptable ?? w.Value.ToArray();
            var entry = NewEntry(w.OwnedKey(), bytes, now);
            entry.ExpiresAt = expiresAt;
            entry.Adopt(bytes, w.ClientFlags, w.ContentType);
            Insert(space, entry, hash);
            return entry;
        }
        StoreOwned(existing, w.Value, adoptable, w.ClientFlags, w.ContentType);
        existing.ExpiresAt = expiresAt;
        existing.NewValue(_engine.NextCas());
        existing.State = keptState;
        Touch(existing, now);
        space.TrackExpiry(existing);
        return existing;
    }

    /// <summary>Replaces a stored string with the entry's own copy of <paramref name="value"/>, in place when it can (the
    /// cost is then unchanged), charging the difference otherwise. <paramref name="adoptable"/>, when given, holds the
    /// same bytes in an array nobody else holds, stored as it is instead of a copy.</summary>
    private void StoreOwned(Entry entry, ReadOnlySpan<byte> value, byte[]? adoptable, uint clientFlags, string? contentType)
    {
        if (entry.TryOverwriteInPlace(value, clientFlags, contentType)) return;
        long before = MemoryCost.Of(entry);
        entry.Adopt(adoptable ?? value.ToArray(), clientFlags, contentType);
        UsedBytes += MemoryCost.Of(entry) - before;
    }

    public bool DeleteKey(int db, ReadOnlySpan<byte> key, uint hash, long now)
    {
        var space = _keyspaces[db];
        if (space is null) return false;
        var entry = FindForWrite(space, key, hash, now);
        if (entry is null) return false;
        Remove(space, entry);
        return true;
    }

    public ExecResult Expire(ExpireCommand c, uint hash, long now)
    {
        var space = _keyspaces[c.Db];
        var entry = space is null ? null : FindForWrite(space, c.Key, hash, now);
        if (entry is null) return ExecResult.Int(0);
        long current = entry.ExpiresAt;
        // Redis 7: a key without a TTL counts as an infinite TTL for GT and LT.
        bool allowed = c.Condition switch
        {
            ExpireCondition.NX => current == 0,
            ExpireCondition.XX => current != 0,
            ExpireCondition.GT => current != 0 && c.ExpiresAt > current,
            ExpireCondition.LT => current == 0 || c.ExpiresAt < current,
            ExpireCondition.XXLT => current != 0 && c.ExpiresAt < current,
            _ => true,
        };
        if (!allowed) return ExecResult.Int(0);
        if (c.ExpiresAt <= now)
        {
            Remove(space!, entry);
            return ExecResult.Int(1);
        }
        entry.ExpiresAt = c.ExpiresAt;
        entry.NewVersion(_engine.NextCas());
        space!.TrackExpiry(entry);
        return ExecResult.Int(1);
    }

    public ExecResult Persist(PersistCommand c, uint hash, long now)
    {
        var space = _keyspaces[c.Db];
        var entry = space is null ? null : FindForWrite(space, c.Key, hash, now);
        if (entry is null || entry.ExpiresAt == 0) return ExecResult.Int(0);
        entry.ExpiresAt = 0;
        entry.NewVersion(_engine.NextCas());
        space!.Untrack(entry);
        return ExecResult.Int(1);
    }

    public ExecResult IncrBy(IncrByCommand c, uint hash, long now) => IncrBy(c.Db, c.Key, c.Key, c.Delta, c.Mode, hash, now, withItem: true);

    /// <summary>
    /// INCR and memcached's incr/decr. <paramref name="keyArray"/>: the key as an array a new entry may keep, or null to
    /// copy it. <paramref name="withItem"/>: the result carries the item, whose new digits are then an array of their
    /// own; without it nothing is allocated unless the key is new or its digit count changes.
    /// </summary>
    public ExecResult IncrBy(int db, ReadOnlySpan<byte> key, byte[]? keyArray, long delta, IncrMode mode, uint hash, long now, bool withItem)
    {
        var space = SpaceForWrite(db);
        var entry = FindForWrite(space, key, hash, now);
        if (entry is not null && !entry.IsString) return WrongType;
        long result;
        Span<byte> digits = stackalloc byte[IntegerText.MaxDigits];
        int written;
        if (mode == IncrMode.Signed)
        {
            long current = 0;
            if (entry is not null && !IntegerText.TryParseRedis(entry.StringSpan, out current)) return ExecResult.Fail(PurpleError.NotInteger);
            if ((delta > 0 && current > long.MaxValue - delta) || (delta < 0 && current < long.MinValue - delta))
                return ExecResult.Fail(PurpleError.Overflow);
            result = current + delta;
            System.Buffers.Text.Utf8Formatter.TryFormat(result, digits, out written);
        }
        else
        {
            if (entry is null) return ExecResult.Of(ExecStatus.Missing);
            if (!Purple.Core.CounterText.TryParseMemcached(entry.StringSpan, out ulong current)) return ExecResult.Fail(PurpleError.NotInteger);
            ulong step = unchecked((ulong)delta);
            // memcached: incr wraps at 2^64, decr stops at 0.
            ulong next = mode == IncrMode.MemcachedIncr ? unchecked(current + step) : (step > current ? 0 : current - step);
            result = unchecked((long)next);
            System.Buffers.Text.Utf8Formatter.TryFormat(next, digits, out written);
        }
        // A counter's digits go into an array the entry owns (in place while their count stays the same); the item gets
        // an array of its own, so the entry keeps owning its.
        entry = StoreKeepingMetadata(space, entry, key, keyArray, hash, digits[..written], shared: null, now);
        if (!withItem) return new ExecResult { Status = ExecStatus.Ok, Integer = result };
        var text = mode == IncrMode.Signed ? IntegerText.Format(result) : IntegerText.Format(unchecked((ulong)result));
        return new ExecResult { Status = ExecStatus.Ok, Integer = result, Item = entry.ItemWith(text) };
    }

    public ExecResult Append(AppendCommand c, uint hash, long now)
    {
        var space = SpaceForWrite(c.Db);
        var entry = FindForWrite(space, c.Key, hash, now);
        byte[] combined;
        if (entry is null)
        {
            if (c.MustExist) return ExecResult.Of(ExecStatus.Missing);
            combined = c.Value;
        }
        else
        {
            if (!entry.IsString) return WrongType;
            var current = entry.StringSpan;
            if ((long)current.Length + c.Value.Length > Limits.MaxStringLength) return ExecResult.Fail(PurpleError.TooLarge);
            combined = new byte[current.Length + c.Value.Length];
            if (c.Prepend)
            {
                c.Value.CopyTo(combined, 0);
                current.CopyTo(combined.AsSpan(c.Value.Length));
            }
            else
            {
                current.CopyTo(combined);
                c.Value.CopyTo(combined, current.Length);
            }
        }
        entry = StoreKeepingMetadata(space, entry, c.Key, c.Key, hash, combined, shared: combined, now);
        return new ExecResult { Status = ExecStatus.Ok, Integer = combined.Length, Item = entry.ToItem() };
    }

    /// <summary>
    /// Replaces a string's bytes but keeps its TTL, flags and content type; creates a plain string when absent. Without
    /// <paramref name="shared"/> the string is stored as the entry's own copy of <paramref name="value"/>
    /// (<see cref="StoreOwned"/>); with it, that array itself is stored (APPEND's new array, whose length always changes).
    /// </summary>
    private Entry StoreKeepingMetadata(Keyspace space, Entry? entry, ReadOnlySpan<byte> key, byte[]? keyArray, uint hash,
        ReadOnlySpan<byte> value, byte[]? shared, long now)
    {
        if (entry is null)
        {
            var bytes = shared ?? value.ToArray();
            entry = NewEntry(keyArray ?? key.ToArray(), bytes, now);
            if (shared is null) entry.Adopt(bytes, 0, null);
            Insert(space, entry, hash);
            return entry;
        }
        if (shared is null)
        {
            StoreOwned(entry, value, null, entry.ClientFlags, entry.ContentType);
        }
        else
        {
            long before = MemoryCost.Of(entry);
            entry.ReplaceBytes(shared);
            UsedBytes += MemoryCost.Of(entry) - before;
        }
        entry.NewValue(_engine.NextCas());
        Touch(entry, now);
        return entry;
    }

    public ExecResult GetDel(GetDelCommand c, uint hash, long now)
    {
        var space = _keyspaces[c.Db];
        var entry = space is null ? null : FindForWrite(space, c.Key, hash, now);
        CountLookup(entry);
        if (entry is null) return ExecResult.Bytes(null);
        if (!entry.IsString) return WrongType;
        var item = entry.ToItem();
        Remove(space!, entry);
        return new ExecResult { Status = ExecStatus.Ok, Value = item.Value, Item = item };
    }

    public ExecResult GetEx(GetExCommand c, uint hash, long now)
    {
        // A read first: a weak copy found here is the current value (any later write would have dropped it),
        // so resurrecting it before changing its TTL cannot surface stale data.
        var entry = FindForRead(c.Db, c.Key, hash, now);
        CountLookup(entry);
        if (entry is null) return ExecResult.Bytes(null);
        if (!entry.IsString) return WrongType;
        var space = _keyspaces[c.Db]!;
        TouchRead(entry, now);
        switch (c.Action)
        {
            case GetExAction.SetExpiry when c.ExpiresAt <= now:
                var last = entry.ToItem();
                Remove(space, entry);
                return new ExecResult { Status = ExecStatus.Ok, Value = last.Value, Item = last };
            case GetExAction.SetExpiry:
                entry.ExpiresAt = c.ExpiresAt;
                entry.NewVersion(_engine.NextCas());
                space.TrackExpiry(entry);
                break;
            case GetExAction.Persist when entry.ExpiresAt != 0:
                entry.ExpiresAt = 0;
                entry.NewVersion(_engine.NextCas());
                space.Untrack(entry);
                break;
        }
        return new ExecResult { Status = ExecStatus.Ok, Value = entry.ShareString(), Item = entry.ToItem() };
    }
}
