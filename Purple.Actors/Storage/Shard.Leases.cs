using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors.Storage;

// Stale marks and leases (memcached's meta-command anti-dogpiling; docs/memcached.md, "Meta command item state").
// The state lives in the entry (Entry.State), so it is under the same lock as the value and every write that
// replaces the value resets it. Callers hold Gate; nothing here reads the clock.
internal sealed partial class Shard
{
    private static readonly ExecResult NoItem = ExecResult.Of(ExecStatus.Missing);

    public ExecResult Invalidate(InvalidateCommand c, uint hash, long now)
    {
        // A read's lookup: a weakly held copy is the current value, so it is brought back and marked like any other.
        var entry = FindForRead(c.Db, c.Key, hash, now);
        if (entry is null || !entry.IsString) return NoItem;
        if (c.CompareCas && entry.Cas != c.ExpectedCas) return ExecResult.Of(ExecStatus.CasMismatch);
        var space = _keyspaces[c.Db]!;
        if (c.Expiry == GetExAction.SetExpiry && c.ExpiresAt <= now)
        {
            Remove(space, entry);
            return ExecResult.Ok();
        }
        ChangeExpiry(space, entry, c.Expiry, c.ExpiresAt);
        // memcached: mark stale, free the lease so the next reader wins it, one new CAS for the whole change.
        entry.State = (entry.State | ItemState.Stale) & ~ItemState.LeaseTaken;
        entry.NewVersion(_engine.NextCas());
        return new ExecResult { Status = ExecStatus.Ok, Item = entry.ToItem() };
    }

    public ExecResult Lease(LeaseCommand c, uint hash, long now)
    {
        var entry = FindForRead(c.Db, c.Key, hash, now);
        if (entry is null)
        {
            if (!c.Vivify) return NoItem;
            var created = NewEntry(c.Key, Array.Empty<byte>(), now);
            created.ExpiresAt = c.VivifyExpiresAt;
            created.State = ItemState.LeaseTaken;
            var item = created.ToItem();
            // Created already expired (a negative TTL): the caller still wins, nothing is stored.
            if (c.VivifyExpiresAt == 0 || c.VivifyExpiresAt > now) Insert(SpaceForWrite(c.Db), created, hash);
            return new ExecResult { Status = ExecStatus.Ok, Item = item, Integer = (long)(LeaseOutcome.Won | LeaseOutcome.Created) };
        }
        if (!entry.IsString) return WrongType;
        var space = _keyspaces[c.Db]!;
        long judged = !c.RecacheAfterExpiry ? entry.ExpiresAt : c.Expiry switch
        {
            GetExAction.SetExpiry => c.ExpiresAt,
            GetExAction.Persist => 0,
            _ => entry.ExpiresAt,
        };
        bool recache = judged != 0 && judged < c.RecacheBefore;
        // An expiry already past: the caller sees the item one last time, then it is gone (as GETEX does).
        bool gone = c.Expiry == GetExAction.SetExpiry && c.ExpiresAt <= now;
        if (!gone && ChangeExpiry(space, entry, c.Expiry, c.ExpiresAt)) entry.NewVersion(_engine.NextCas());
        var state = entry.State;
        var outcome = LeaseOutcome.None;
        if ((state & ItemState.Stale) != 0) outcome |= LeaseOutcome.Stale;
        if ((state & ItemState.LeaseTaken) != 0) outcome |= LeaseOutcome.Taken;
        else if (recache || (state & ItemState.Stale) != 0)
        {
            outcome |= LeaseOutcome.Won;
            entry.State = state | ItemState.LeaseTaken;
        }
        var result = entry.ToItem();
        if (gone) Remove(space, entry);
        return new ExecResult { Status = ExecStatus.Ok, Item = result, Integer = (long)outcome };
    }

    /// <summary>A future expiry or none (GETEX's actions). True if it changed anything; the caller gives the new CAS.</summary>
    private static bool ChangeExpiry(Keyspace space, Entry entry, GetExAction action, long expiresAt)
    {
        switch (action)
        {
            case GetExAction.SetExpiry:
                entry.ExpiresAt = expiresAt;
                space.TrackExpiry(entry);
                return true;
            case GetExAction.Persist when entry.ExpiresAt != 0:
                entry.ExpiresAt = 0;
                space.Untrack(entry);
                return true;
            default:
                return false;
        }
    }
}
