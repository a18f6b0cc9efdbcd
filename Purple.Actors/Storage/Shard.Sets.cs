using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors.Storage;

// Set writes. Every change goes through ChargeChange so UsedBytes moves by exactly the cost difference.
internal sealed partial class Shard
{
    public ExecResult SAdd(SAddCommand c, uint hash, long now) => SAdd(c.Db, c.Key, c.Key, MemberList.Of(c.Members), hash, now);

    /// <summary>SADD from a command or from a request's spans; <paramref name="keyArray"/> null copies the key if a new set
    /// keeps it, and members are copied only when added.</summary>
    public ExecResult SAdd(int db, ReadOnlySpan<byte> key, byte[]? keyArray, MemberList members, uint hash, long now)
    {
        var space = SpaceForWrite(db);
        var entry = FindForWrite(space, key, hash, now);
        if (entry is null)
        {
            var fresh = new MemberSet();
            for (int i = 0; i < members.Count; i++) fresh.Add(members[i], members.ArrayAt(i));
            if (fresh.Count == 0) return ExecResult.Int(0);
            Insert(space, NewEntry(keyArray ?? key.ToArray(), fresh, now), hash);
            return ExecResult.Int(fresh.Count);
        }
        if (entry.Value is not MemberSet set) return WrongType;
        long before = MemoryCost.Of(entry);
        int added = 0;
        for (int i = 0; i < members.Count; i++)
        {
            if (set.Add(members[i], members.ArrayAt(i))) added++;
        }
        Touch(entry, now);
        if (added > 0) ChargeChange(entry, before);
        return ExecResult.Int(added);
    }

    public ExecResult SRem(SRemCommand c, uint hash, long now)
    {
        var space = _keyspaces[c.Db];
        var entry = space is null ? null : FindForWrite(space, c.Key, hash, now);
        if (entry is null) return ExecResult.Int(0);
        if (entry.Value is not MemberSet set) return WrongType;
        long before = MemoryCost.Of(entry);
        int removed = 0;
        foreach (var member in c.Members)
        {
            if (set.Remove(member)) removed++;
        }
        if (removed > 0) FinishShrink(space!, entry, before, now);
        return ExecResult.Int(removed);
    }

    public ExecResult SPop(SPopCommand c, uint hash, long now)
    {
        var space = _keyspaces[c.Db];
        var entry = space is null ? null : FindForWrite(space, c.Key, hash, now);
        if (entry is null) return c.Count < 0 ? ExecResult.Bytes(null) : ExecResult.Many([]);
        if (entry.Value is not MemberSet set) return WrongType;
        var rng = new XorShift(c.Seed);
        long before = MemoryCost.Of(entry);
        if (c.Count < 0)
        {
            var member = set.PopRandom(ref rng);
            FinishShrink(space!, entry, before, now);
            return ExecResult.Bytes(member);
        }
        int take = (int)Math.Min(c.Count, set.Count);
        var popped = new byte[take][];
        for (int i = 0; i < take; i++) popped[i] = set.PopRandom(ref rng);
        if (take > 0) FinishShrink(space!, entry, before, now);
        return ExecResult.Many(popped);
    }

    private void ChargeChange(Entry entry, long costBefore)
    {
        entry.NewValue(_engine.NextCas());
        UsedBytes += MemoryCost.Of(entry) - costBefore;
    }

    // Redis never keeps an empty set: the key goes with its last member.
    private void FinishShrink(Keyspace space, Entry entry, long costBefore, long now)
    {
        ChargeChange(entry, costBefore);
        if (entry.SetValue.Count == 0) Remove(space, entry);
        else Touch(entry, now);
    }
}
