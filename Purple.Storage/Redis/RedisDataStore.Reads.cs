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
        var reply = Check(_client.Call(db, ["MGET", .. keys]));
        return reply.Items!.Select(i => i.Bulk).ToArray();
    }

    public long Exists(int db, byte[][] keys)
    {
        var visible = keys.Where(k => !IsInternal(k)).ToArray();
        return visible.Length == 0 ? 0 : Check(_client.Call(db, ["EXISTS", .. visible])).Integer;
    }

    public DataType TypeOf(int db, ReadOnlySpan<byte> key)
    {
        if (IsInternal(key)) return DataType.None;
        return Check(_client.Call(db, "TYPE", key.ToArray())).AsString() switch
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
        if (IsInternal(key)) return -2;
        long ttl = Check(_client.Call(db, "PTTL", key.ToArray())).Integer;
        return ttl < 0 ? ttl : Now + ttl;
    }

    public List<byte[]> Keys(int db, ReadOnlySpan<byte> pattern)
    {
        var reply = Check(_client.Call(db, "KEYS", pattern.ToArray()));
        return reply.Items!.Select(i => i.Bulk!).Where(k => !IsInternal(k)).ToList();
    }

    public ulong Scan(int db, ulong cursor, ReadOnlySpan<byte> pattern, int count, DataType typeFilter, List<byte[]> output)
    {
        var args = new List<object> { "SCAN", cursor, "MATCH", pattern.ToArray(), "COUNT", Math.Max(1, count) };
        if (typeFilter == DataType.String) args.AddRange(["TYPE", "string"]);
        else if (typeFilter == DataType.Set) args.AddRange(["TYPE", "set"]);
        var reply = Check(_client.Pipeline(db, [args])[0]);
        var items = reply.Items!;
        foreach (var key in items[1].Items!)
        {
            if (!IsInternal(key.Bulk)) output.Add(key.Bulk!);
        }
        return ulong.Parse(items[0].AsString(), CultureInfo.InvariantCulture);
    }

    public long DbSize(int db)
    {
        var replies = _client.Pipeline(db, [["DBSIZE"], ["EXISTS", MetaKeyBytes, CasKeyBytes]]);
        return Check(replies[0]).Integer - Check(replies[1]).Integer;
    }

    public ReadStatus SetMembers(int db, ReadOnlySpan<byte> key, out byte[][] members)
    {
        var reply = _client.Call(db, "SMEMBERS", key.ToArray());
        members = [];
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        members = Check(reply).Items!.Select(i => i.Bulk!).ToArray();
        return members.Length == 0 ? ReadStatus.Missing : ReadStatus.Found;
    }

    public ReadStatus SetContains(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member, out bool contains)
    {
        var replies = _client.Pipeline(db, [["EXISTS", key.ToArray()], ["SISMEMBER", key.ToArray(), member.ToArray()]]);
        contains = false;
        if (IsWrongType(replies[1])) return ReadStatus.WrongType;
        contains = Check(replies[1]).Integer == 1;
        return Check(replies[0]).Integer == 1 ? ReadStatus.Found : ReadStatus.Missing;
    }

    public ReadStatus SetContainsMany(int db, ReadOnlySpan<byte> key, byte[][] members, out bool[] contains)
    {
        var replies = _client.Pipeline(db, [["EXISTS", key.ToArray()], ["SMISMEMBER", key.ToArray(), .. members]]);
        contains = new bool[members.Length];
        if (IsWrongType(replies[1])) return ReadStatus.WrongType;
        var flags = Check(replies[1]).Items!;
        for (int i = 0; i < flags.Length; i++) contains[i] = flags[i].Integer == 1;
        return Check(replies[0]).Integer == 1 ? ReadStatus.Found : ReadStatus.Missing;
    }

    public ReadStatus SetCardinality(int db, ReadOnlySpan<byte> key, out long count)
    {
        var reply = _client.Call(db, "SCARD", key.ToArray());
        count = 0;
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        count = Check(reply).Integer;
        return count == 0 ? ReadStatus.Missing : ReadStatus.Found;
    }

    public ReadStatus SetRandomMembers(int db, ReadOnlySpan<byte> key, long count, out byte[][] members)
    {
        var reply = _client.Call(db, "SRANDMEMBER", key.ToArray(), count);
        members = [];
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        members = Check(reply).Items!.Select(i => i.Bulk!).ToArray();
        return members.Length == 0 && count != 0 ? ReadStatus.Missing : ReadStatus.Found;
    }

    public ReadStatus SetCombine(int db, byte[][] keys, SetOperation operation, out byte[][] members)
    {
        string command = operation switch { SetOperation.Intersect => "SINTER", SetOperation.Union => "SUNION", _ => "SDIFF" };
        var reply = _client.Call(db, [command, .. keys]);
        members = [];
        if (IsWrongType(reply)) return ReadStatus.WrongType;
        members = Check(reply).Items!.Select(i => i.Bulk!).ToArray();
        return ReadStatus.Found;
    }

    public ReadStatus SetScan(int db, ReadOnlySpan<byte> key, ulong cursor, ReadOnlySpan<byte> pattern, int count, List<byte[]> output, out ulong nextCursor)
    {
        var reply = _client.Call(db, "SSCAN", key.ToArray(), cursor, "MATCH", pattern.ToArray(), "COUNT", Math.Max(1, count));
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
        var info = RedisInfo.Parse(Check(_client.Call(0, "INFO", "ALL")).AsString());
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
