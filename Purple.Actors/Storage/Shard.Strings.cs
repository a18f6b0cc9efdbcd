using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors.Storage;

// Single-key writes of strings and TTLs. Callers hold Gate; none of these read the clock or a random source.
internal sealed partial class Shard
{
    private static readonly ExecResult WrongType = ExecResult.Fail(PurpleError.WrongType);

    /// <param name="adoptValue">The command's value is an array nobody else holds (a replay): stored as it is, not copied.</param>
    public ExecResult Set(SetCommand c, uint hash, long now, bool adoptValue = false)
    {
        var space = SpaceForWrite(c.Db);
        var existing = FindForWrite(space, c.Key, hash, now);
        byte[]? old = null;
        if ((c.Options & SetOptions.ReturnOld) != 0 && existing is not null)
        {
            if (!existing.IsString) return WrongType;
            old = existing.ShareString();
        }
        switch (c.Condition)
        {
            case SetCondition.IfNotExists when existing is not null:
            case SetCondition.IfExists when existing is null:
                return new ExecResult { Status = ExecStatus.NotPerformed, Value = old };
            // memcached's cas works on items, which are strings: a key of another type has no CAS to match.
            case SetCondition.IfCasMatches when existing is null || !existing.IsString:
                return ExecResult.Of(ExecStatus.Missing);
            case SetCondition.IfCasMatches when existing.Cas != c.ExpectedCas:
                return ExecResult.Of(ExecStatus.CasMismatch);
            case SetCondition.IfCasMatchesOrStale when existing is null || !existing.IsString:
                return ExecResult.Of(ExecStatus.Missing);
            // memcached reads a CAS of 0 as none given, which never matches.
            case SetCondition.IfCasMatchesOrStale when c.ExpectedCas == 0 || c.ExpectedCas > existing.Cas:
                return ExecResult.Of(ExecStatus.CasMismatch);
        }
        // memcached ms I with an older CAS: the late value is stored but stays stale, with the item's expiry and lease.
        bool storeStale = c.Condition == SetCondition.IfCasMatchesOrStale && c.ExpectedCas < existing!.Cas;
        var keptState = storeStale ? ItemState.Stale | (existing!.State & ItemState.LeaseTaken) : ItemState.None;
        long expiresAt = storeStale || (c.Options & SetOptions.KeepTtl) != 0 ? existing?.ExpiresAt ?? 0 : c.ExpiresAt;
        if (expiresAt != 0 && expiresAt <= now)
        {
            // An expiry already past stores nothing and removes the old value (Redis SET PXAT in the past,
            // memcached's negative exptime).
            if (existing is not null) Remove(space, existing);
            // Redis stores such a key and counts that as a write of it, which an EXEC watching it must see.
            else space.WrittenWhileMissing(c.Key);
            var gone = new StringItem(c.Value, c.ClientFlags, _engine.NextCas(), expiresAt, c.ContentType);
            return new ExecResult { Status = ExecStatus.Ok, Value = old, Item = gone };
        }
        var entry = StoreString(space, existing, c.Key, c.Value, c.ClientFlags, c.ContentType, expiresAt, keptState, hash, now, adoptValue);
        // The command's array holds the same bytes: handing it out leaves the entry owning its own.
        return new ExecResult { Status = ExecStatus.Ok, Value = old, Item = entry.ItemWith(c.Value) };
    }

    /// <summary>MSET's per key: an unconditional SET without expiry, with no command record and no item to return.</summary>
    public void SetPlain(Keyspace space, byte[] key, byte[] value, uint hash, long now, bool adoptValue = false) =>
        StoreString(space, FindForWrite(space, key, hash, now), key, value, 0, null, 0, ItemState.None, hash, now, adoptValue);

    private Entry StoreString(Keyspace space, Entry? existing, byte[] key, byte[] value, uint clientFlags, string? contentType,
        long expiresAt, ItemState keptState, uint hash, long now, bool adoptValue)
    {
        // The string is stored in an array of the entry's own, never the command's (a journal or a reply may still
        // hold that), so later writes of the same length and metadata copy into it instead of allocating
        // (Entry.OwnsBytes).
        if (existing is null)
        {
            var entry = NewEntry(key, value, now);
            entry.ExpiresAt = expiresAt;
            if (adoptValue) entry.Adopt(value, clientFlags, contentType);
            else entry.StoreOwnedCopy(value, clientFlags, contentType);
            Insert(space, entry, hash);
            return entry;
        }
        StoreOwned(existing, value, clientFlags, contentType, adoptValue);
        existing.ExpiresAt = expiresAt;
        existing.NewValue(_engine.NextCas());
        existing.State = keptState;
        Touch(existing, now);
        space.TrackExpiry(existing);
        return existing;
    }

    /// <summary>Replaces a stored string with the entry's own copy of <paramref name="value"/>, in place when it can (the
    /// cost is then unchanged), charging the difference otherwise.</summary>
    private void StoreOwned(Entry entry, byte[] value, uint clientFlags, string? contentType, bool adoptValue = false)
    {
        if (entry.TryOverwriteInPlace(value, clientFlags, contentType)) return;
        long before = MemoryCost.Of(entry);
        if (adoptValue) entry.Adopt(value, clientFlags, contentType);
        else entry.StoreOwnedCopy(value, clientFlags, contentType);
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

    public ExecResult IncrBy(IncrByCommand c, uint hash, long now)
    {
        var space = SpaceForWrite(c.Db);
        var entry = FindForWrite(space, c.Key, hash, now);
        if (entry is not null && !entry.IsString) return WrongType;
        long result;
        byte[] text;
        if (c.Mode == IncrMode.Signed)
        {
            long current = 0;
            if (entry is not null && !IntegerText.TryParseRedis(entry.StringSpan, out current)) return ExecResult.Fail(PurpleError.NotInteger);
            if ((c.Delta > 0 && current > long.MaxValue - c.Delta) || (c.Delta < 0 && current < long.MinValue - c.Delta))
                return ExecResult.Fail(PurpleError.Overflow);
            result = current + c.Delta;
            text = IntegerText.Format(result);
        }
        else
        {
            if (entry is null) return ExecResult.Of(ExecStatus.Missing);
            if (!Purple.Core.CounterText.TryParseMemcached(entry.StringSpan, out ulong current)) return ExecResult.Fail(PurpleError.NotInteger);
            ulong delta = unchecked((ulong)c.Delta);
            // memcached: incr wraps at 2^64, decr stops at 0.
            ulong next = c.Mode == IncrMode.MemcachedIncr ? unchecked(current + delta) : (delta > current ? 0 : current - delta);
            result = unchecked((long)next);
            text = IntegerText.Format(next);
        }
        // A counter's digits go into an array the entry owns (in place while their count stays the same); the reply
        // gets `text`, so the entry keeps owning it.
        entry = StoreKeepingMetadata(space, entry, c.Key, hash, text, now, owned: true);
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
        entry = StoreKeepingMetadata(space, entry, c.Key, hash, combined, now, owned: false);
        return new ExecResult { Status = ExecStatus.Ok, Integer = combined.Length, Item = entry.ToItem() };
    }

    /// <summary>
    /// Replaces a string's bytes but keeps its TTL, flags and content type; creates a plain string when absent. With
    /// <paramref name="owned"/> the string is stored as the entry's own copy (<see cref="StoreOwned"/>);
    /// without, <paramref name="value"/> itself is stored (APPEND's new array, whose length always changes).
    /// </summary>
    private Entry StoreKeepingMetadata(Keyspace space, Entry? entry, byte[] key, uint hash, byte[] value, long now, bool owned)
    {
        if (entry is null)
        {
            entry = NewEntry(key, value, now);
            if (owned) entry.StoreOwnedCopy(value, 0, null);
            Insert(space, entry, hash);
            return entry;
        }
        if (owned)
        {
            StoreOwned(entry, value, entry.ClientFlags, entry.ContentType);
        }
        else
        {
            long before = MemoryCost.Of(entry);
            entry.ReplaceBytes(value);
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
