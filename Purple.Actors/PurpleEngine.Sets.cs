using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Actors;

// Set reads. Members are the stored arrays (never mutated), so they are returned without copying.
public sealed partial class PurpleEngine
{
    private ReadStatus FindSet(Shard shard, int db, ReadOnlySpan<byte> key, uint hash, long now, out MemberSet? set)
    {
        var entry = shard.FindForRead(db, key, hash, now);
        shard.CountLookup(entry);
        set = null;
        if (entry is null) return ReadStatus.Missing;
        shard.Touch(entry, now);
        set = entry.Value as MemberSet;
        return set is null ? ReadStatus.WrongType : ReadStatus.Found;
    }

    public ReadStatus SetMembers(int db, ReadOnlySpan<byte> key, out byte[][] members)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var status = FindSet(shard, db, key, hash, now, out var set);
            members = set?.ToArray() ?? [];
            return status;
        }
    }

    public ReadStatus SetContains(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member, out bool contains)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var status = FindSet(shard, db, key, hash, now, out var set);
            contains = set?.Contains(member) ?? false;
            return status;
        }
    }

    public ReadStatus SetContainsMany(int db, ReadOnlySpan<byte> key, byte[][] members, out bool[] contains)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        contains = new bool[members.Length];
        lock (shard.Gate)
        {
            var status = FindSet(shard, db, key, hash, now, out var set);
            if (set is not null)
            {
                for (int i = 0; i < members.Length; i++) contains[i] = set.Contains(members[i]);
            }
            return status;
        }
    }

    public ReadStatus SetCardinality(int db, ReadOnlySpan<byte> key, out long count)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var status = FindSet(shard, db, key, hash, now, out var set);
            count = set?.Count ?? 0;
            return status;
        }
    }

    public ReadStatus SetRandomMembers(int db, ReadOnlySpan<byte> key, long count, out byte[][] members)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        // Reads are not replayed, so a fresh seed is fine here (unlike SPOP, which carries its seed).
        var rng = new XorShift((ulong)Random.Shared.NextInt64());
        lock (shard.Gate)
        {
            var status = FindSet(shard, db, key, hash, now, out var set);
            if (set is null || count == 0)
            {
                members = [];
                return status;
            }
            if (count < 0)
            {
                members = new byte[count == long.MinValue ? Array.MaxLength : Math.Min(-count, Array.MaxLength)][];
                for (int i = 0; i < members.Length; i++) members[i] = set.PeekRandom(ref rng);
                return status;
            }
            var all = set.ToArray();
            int take = (int)Math.Min(count, all.Length);
            // Partial Fisher–Yates: the first `take` slots end up a uniform sample without repeats.
            for (int i = 0; i < take; i++)
            {
                int j = i + (int)(rng.Next() % (uint)(all.Length - i));
                (all[i], all[j]) = (all[j], all[i]);
            }
            members = take == all.Length ? all : all[..take];
            return status;
        }
    }

    public ReadStatus SetCombine(int db, byte[][] keys, SetOperation operation, out byte[][] members)
    {
        long now = Now();
        var sets = new MemberSet?[keys.Length];
        var routes = RouteAll(keys);
        var order = LockOrder(routes);
        EnterAll(order);
        try
        {
            for (int i = 0; i < keys.Length; i++)
            {
                var (shard, hash) = routes[i];
                if (FindSet(shard, db, keys[i], hash, now, out sets[i]) == ReadStatus.WrongType)
                {
                    members = [];
                    return ReadStatus.WrongType;
                }
            }
            members = Combine(sets, operation);
            return ReadStatus.Found;
        }
        finally
        {
            ExitAll(order);
        }
    }

    private static byte[][] Combine(MemberSet?[] sets, SetOperation operation)
    {
        if (sets.Length == 0 || sets[0] is null && operation != SetOperation.Union) return [];
        var result = new List<byte[]>();
        switch (operation)
        {
            case SetOperation.Union:
                var union = new MemberSet();
                foreach (var set in sets)
                {
                    if (set is null) continue;
                    foreach (var node in set) union.Add(node.Key);
                }
                return union.ToArray();
            case SetOperation.Intersect:
                if (Array.Exists(sets, s => s is null)) return [];
                foreach (var node in sets[0]!)
                {
                    if (Array.TrueForAll(sets, s => s!.Contains(node.Key))) result.Add(node.Key);
                }
                break;
            case SetOperation.Difference:
                foreach (var node in sets[0]!)
                {
                    bool elsewhere = false;
                    for (int i = 1; i < sets.Length && !elsewhere; i++) elsewhere = sets[i]?.Contains(node.Key) ?? false;
                    if (!elsewhere) result.Add(node.Key);
                }
                break;
        }
        return [.. result];
    }

    public ReadStatus SetScan(int db, ReadOnlySpan<byte> key, ulong cursor, ReadOnlySpan<byte> pattern, int count, List<byte[]> output, out ulong nextCursor)
    {
        long now = Now();
        var (shard, hash) = Route(key);
        count = Math.Max(count, 1);
        bool all = GlobPattern.IsMatchAll(pattern);
        var visited = new List<HashNode>();
        lock (shard.Gate)
        {
            var status = FindSet(shard, db, key, hash, now, out var set);
            nextCursor = 0;
            if (set is null) return status;
            uint bucketCursor = (uint)cursor;
            long budget = (long)count * 10;
            do
            {
                bucketCursor = set.ScanStep(bucketCursor, visited);
            } while (bucketCursor != 0 && visited.Count < count && --budget > 0);
            foreach (var node in visited)
            {
                if (all || GlobPattern.Matches(pattern, node.Key)) output.Add(node.Key);
            }
            nextCursor = bucketCursor;
            return status;
        }
    }
}
