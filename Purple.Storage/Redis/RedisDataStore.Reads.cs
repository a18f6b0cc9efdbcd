using System.Globalization;
using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

// Reads: plain Redis commands where Redis has the same operation, the Get script where metadata comes with the value.
// The database's two internal keys (purple:meta, purple:cas) are hidden from KEYS, SCAN, EXISTS and DBSIZE.
public sealed partial class RedisDataStore
{
    public ReadStatus TryGet(int db, ReadOnlySpan<byte> key, out StringItem item)
    {
        long now = Now;
        var reply = Run(db, RedisScripts.Get, [key.ToArray()]);
        if (reply.IsError) throw new StorageUnavailableException("redis refused a read: " + reply.Text);
        var items = reply.Items!;
        item = default;
        switch (items[0].AsString())
        {
            case "none":
                return ReadStatus.Missing;
            case "string":
                item = ItemFrom(items[1].Bulk!, items[2], items[3], items[4], items[5], now);
                return ReadStatus.Found;
            default:
                return ReadStatus.WrongType;
        }
    }

    public ReadStatus TryGetItem(int db, ReadOnlySpan<byte> key, ItemReadOptions options, out StringItem item, out ItemAccess access)
    {
        // Redis keeps no per-item fetched/stale/lease state; the last access is reported as now.
        var status = TryGet(db, key, out item);
        access = status == ReadStatus.Found ? new ItemAccess(Now, ItemState.None) : default;
        return status;
    }

    public byte[]?[] GetMany(int db, byte[][] keys)
    {
        if (keys.Length == 0) return [];
        var values = new byte[]?[keys.Length];
        // Each slot's keys in one MGET (on a cluster a read of several slots is several reads, as cluster clients do).
        foreach (var group in BySlot(db, keys))
        {
            var reply = Check(Send(db, group.Slot, [["MGET", .. group.Names]])[0]);
            for (int i = 0; i < group.Indexes.Count; i++) values[group.Indexes[i]] = reply.Items![i].Bulk;
        }
        return values;
    }

    public long Exists(int db, byte[][] keys)
    {
        var visible = keys.Where(k => !IsInternal(db, k)).ToArray();
        long count = 0;
        foreach (var group in BySlot(db, visible)) count += Check(Send(db, group.Slot, [["EXISTS", .. group.Names]])[0]).Integer;
        return count;
    }

    private sealed record SlotGroup(int Slot, List<byte[]> Names, List<int> Indexes);

    /// <summary>The keys' Redis names grouped by slot (one group when not on a cluster), with their positions.</summary>
    private List<SlotGroup> BySlot(int db, IReadOnlyList<byte[]> keys)
    {
        var groups = new List<SlotGroup>();
        var bySlot = new Dictionary<int, SlotGroup>();
        for (int i = 0; i < keys.Count; i++)
        {
            var name = Name(db, keys[i]);
            int slot = _cluster is null ? 0 : RedisSlot.Of(name);
            if (!bySlot.TryGetValue(slot, out var group))
            {
                bySlot[slot] = group = new SlotGroup(slot, [], []);
                groups.Add(group);
            }
            group.Names.Add(name);
            group.Indexes.Add(i);
        }
        return groups;
    }

    public DataType TypeOf(int db, ReadOnlySpan<byte> key)
    {
        if (IsInternal(db, key)) return DataType.None;
        var name = Name(db, key);
        return Check(Send(db, name, "TYPE", name)).AsString() switch
        {
            "string" => DataType.String,
            "set" => DataType.Set,
            "none" => DataType.None,
            // Lists, hashes and the rest are not Purple types; shown as what Purple can do nothing with.
            _ => DataType.None,
        };
    }

    public long GetExpiresAt(int db, ReadOnlySpan<byte> key)
    {
        if (IsInternal(db, key)) return -2;
        var name = Name(db, key);
        // The stored time itself where the server has PEXPIRETIME (Redis 7, Garnet): now + PTTL is off by the
        // milliseconds between the server's clock reading and ours, which can even turn EXPIRETIME's rounding.
        if (!Volatile.Read(ref _noPexpiretime))
        {
            var reply = Send(db, name, "PEXPIRETIME", name);
            if (!reply.IsError) return reply.Integer;
            if (!reply.Text!.Contains("unknown command", StringComparison.OrdinalIgnoreCase)) Check(reply);
            Volatile.Write(ref _noPexpiretime, true);
        }
        long ttl = Check(Send(db, name, "PTTL", name)).Integer;
        return ttl < 0 ? ttl : Now + ttl;
    }

    private bool _noPexpiretime;

    public List<byte[]> Keys(int db, ReadOnlySpan<byte> pattern)
    {
        if (_cluster is not null) return ClusterKeys(db, pattern);
        var reply = Check(_client!.Call(db, "KEYS", pattern.ToArray()));
        return reply.Items!.Select(i => i.Bulk!).Where(k => !IsInternal(db, k)).ToList();
    }

    public ulong Scan(int db, ulong cursor, ReadOnlySpan<byte> pattern, int count, DataType typeFilter, List<byte[]> output)
    {
        if (_cluster is not null) return ClusterScan(db, cursor, pattern, count, typeFilter, output);
        var reply = Check(_client!.Pipeline(db, [ScanArgs(cursor, pattern.ToArray(), count, typeFilter)])[0]);
        var items = reply.Items!;
        foreach (var key in items[1].Items!)
        {
            if (!IsInternal(db, key.Bulk)) output.Add(key.Bulk!);
        }
        return ulong.Parse(items[0].AsString(), CultureInfo.InvariantCulture);
    }

    private static List<object> ScanArgs(ulong cursor, byte[] pattern, int count, DataType typeFilter)
    {
        var args = new List<object> { "SCAN", cursor, "MATCH", pattern, "COUNT", Math.Max(1, count) };
        if (typeFilter == DataType.String) args.AddRange(["TYPE", "string"]);
        else if (typeFilter == DataType.Set) args.AddRange(["TYPE", "set"]);
        return args;
    }

    public long DbSize(int db)
    {
        if (_cluster is not null) return ClusterDbSize(db);
        var replies = _client!.Pipeline(db, [["DBSIZE"], ["EXISTS", MetaKeyBytes, CasKeyBytes]]);
        return Check(replies[0]).Integer - Check(replies[1]).Integer;
    }

    public ReadStatus SetMembers(int db, ReadOnlySpan<byte> key, out byte[][] members)
    {
        var name = Name(db, key);
        var reply = Send(db, name, "SMEMBERS", name);
        members = [];
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        members = Check(reply).Items!.Select(i => i.Bulk!).ToArray();
        return members.Length == 0 ? ReadStatus.Missing : ReadStatus.Found;
    }

    public ReadStatus SetContains(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member, out bool contains)
    {
        var name = Name(db, key);
        var replies = Send(db, SlotOf([name]), [["EXISTS", name], ["SISMEMBER", name, member.ToArray()]]);
        contains = false;
        if (IsWrongType(replies[1])) return ReadStatus.WrongType;
        contains = Check(replies[1]).Integer == 1;
        return Check(replies[0]).Integer == 1 ? ReadStatus.Found : ReadStatus.Missing;
    }

    public ReadStatus SetContainsMany(int db, ReadOnlySpan<byte> key, byte[][] members, out bool[] contains)
    {
        var name = Name(db, key);
        var replies = Send(db, SlotOf([name]), [["EXISTS", name], ["SMISMEMBER", name, .. members]]);
        contains = new bool[members.Length];
        if (IsWrongType(replies[1])) return ReadStatus.WrongType;
        var flags = Check(replies[1]).Items!;
        for (int i = 0; i < flags.Length; i++) contains[i] = flags[i].Integer == 1;
        return Check(replies[0]).Integer == 1 ? ReadStatus.Found : ReadStatus.Missing;
    }

    public ReadStatus SetCardinality(int db, ReadOnlySpan<byte> key, out long count)
    {
        var name = Name(db, key);
        var reply = Send(db, name, "SCARD", name);
        count = 0;
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        count = Check(reply).Integer;
        return count == 0 ? ReadStatus.Missing : ReadStatus.Found;
    }

    public ReadStatus SetRandomMembers(int db, ReadOnlySpan<byte> key, long count, out byte[][] members)
    {
        var name = Name(db, key);
        var reply = Send(db, name, "SRANDMEMBER", name, count);
        members = [];
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        members = Check(reply).Items!.Select(i => i.Bulk!).ToArray();
        // Garnet answers a count of 0 on a key of another type with an empty array, Redis with WRONGTYPE.
        if (count == 0 && Check(Send(db, name, "TYPE", name)).AsString() is not ("none" or "set")) return ReadStatus.WrongType;
        return members.Length == 0 && count != 0 ? ReadStatus.Missing : ReadStatus.Found;
    }

    public ReadStatus SetCombine(int db, byte[][] keys, SetOperation operation, out byte[][] members)
    {
        string command = operation switch { SetOperation.Intersect => "SINTER", SetOperation.Union => "SUNION", _ => "SDIFF" };
        var names = Names(db, keys);
        var reply = Send(db, SlotOf(names), [[command, .. names]])[0];
        members = [];
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        members = Check(reply).Items!.Select(i => i.Bulk!).ToArray();
        // Redis checks every key's type even when the answer is already empty; Garnet stops at the first missing
        // key. An empty answer is checked here, so a key of another type is an error on both.
        if (members.Length == 0 && names.Length > 1)
        {
            var types = Send(db, SlotOf(names), names.Select(n => (IReadOnlyList<object>)["TYPE", n]).ToList());
            if (types.Any(t => Check(t).AsString() is not ("set" or "none"))) return ReadStatus.WrongType;
        }
        return ReadStatus.Found;
    }

    public ReadStatus SetScan(int db, ReadOnlySpan<byte> key, ulong cursor, ReadOnlySpan<byte> pattern, int count, List<byte[]> output, out ulong nextCursor)
    {
        var name = Name(db, key);
        var reply = Send(db, name, "SSCAN", name, cursor, "MATCH", pattern.ToArray(), "COUNT", Math.Max(1, count));
        nextCursor = 0;
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        var items = Check(reply).Items!;
        foreach (var member in items[1].Items!) output.Add(member.Bulk!);
        nextCursor = ulong.Parse(items[0].AsString(), CultureInfo.InvariantCulture);
        return ReadStatus.Found;
    }

    public ulong KeyVersion(int db, ReadOnlySpan<byte> key)
    {
        var reply = Run(db, RedisScripts.Version, [key.ToArray()]);
        if (reply.IsError) throw new StorageUnavailableException("redis refused a read: " + reply.Text);
        return (ulong)reply.Items![1].AsInteger();
    }

    public StoreStats GetStats()
    {
        if (_cluster is not null) return ClusterStats();
        var info = RedisInfo.Parse(InfoText(_client!.Pipeline(0, InfoCommands)));
        var keys = new long[Databases];
        var expires = new long[Databases];
        for (int db = 0; db < Databases; db++)
        {
            (keys[db], expires[db]) = info.Keyspace(_client.Endpoint.BaseDb + db);
        }
        string policy = info.Get("maxmemory_policy") ?? "noeviction";
        // maxmemory 0 is Redis's "no limit": the machine's memory is the real one.
        long capacity = info.Long("maxmemory") is > 0 and var max ? max : info.Long("total_system_memory");
        return new StoreStats(info.Long("used_memory"), capacity, keys.Sum(), keys, expires,
            info.Long("evicted_keys"), info.Long("expired_keys"), info.Long("keyspace_hits"), info.Long("keyspace_misses"),
            policy, policy.StartsWith("allkeys", StringComparison.Ordinal) ? "all" : "volatile");
    }

    // Garnet's INFO ALL leaves the keyspace section out; asking for it as well costs one more reply.
    private static readonly IReadOnlyList<IReadOnlyList<object>> InfoCommands = [["INFO", "ALL"], ["INFO", "KEYSPACE"]];

    private static string InfoText(RedisReply[] replies) => Check(replies[0]).AsString() + "\n" + Check(replies[1]).AsString();

    private static bool IsWrongType(RedisReply reply) => reply.IsError && reply.Text!.StartsWith("WRONGTYPE", StringComparison.Ordinal);

    private static RedisReply Check(RedisReply reply) =>
        reply.IsError ? throw new StorageUnavailableException("redis refused: " + reply.Text) : reply;
}

/// <summary>INFO's "name:value" lines, and its keyspace lines ("db0:keys=1,expires=0,avg_ttl=0").</summary>
internal sealed class RedisInfo
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    public static RedisInfo Parse(string text)
    {
        var info = new RedisInfo();
        foreach (var line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line.StartsWith('#')) continue;
            info._fields[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
        }
        return info;
    }

    public string? Get(string name) => _fields.GetValueOrDefault(name);

    public long Long(string name) => long.TryParse(Get(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : 0;

    /// <summary>Keys and keys with a TTL of a Redis database as INFO counts them (Purple's two internal keys included).</summary>
    public (long Keys, long Expires) Keyspace(int db)
    {
        if (Get("db" + db.ToString(CultureInfo.InvariantCulture)) is not { } line) return (0, 0);
        long keys = 0, expires = 0;
        foreach (var part in line.Split(','))
        {
            var pair = part.Split('=');
            if (pair.Length != 2) continue;
            if (pair[0] == "keys") keys = long.Parse(pair[1], CultureInfo.InvariantCulture);
            else if (pair[0] == "expires") expires = long.Parse(pair[1], CultureInfo.InvariantCulture);
        }
        return (keys, expires);
    }
}
