using System.Text;
using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

/// <summary>
/// <c>--storage redis</c> (docs/storage.md, "External Redis"): every operation becomes Redis commands, so any number
/// of Purple nodes are stateless front ends over one Redis. Strings and sets are Redis strings and sets, readable by
/// any Redis client; memcached flags, CAS and content type live in one hash per database (<see cref="MetaKey"/>),
/// kept in step by Lua scripts so each write is one atomic step. TTL and eviction are Redis's. When Redis cannot be
/// reached, calls throw <see cref="StorageUnavailableException"/> within the command timeout; protocols answer it in
/// their own terms. Thread-safe.
/// </summary>
public sealed partial class RedisDataStore : IDataStore, IDisposable
{
    /// <summary>Per database: field = key, value = "flags|cas|content type".</summary>
    public const string MetaKey = "purple:meta";
    /// <summary>Per database: the counter CAS values come from.</summary>
    public const string CasKey = "purple:cas";

    private static readonly byte[] MetaKeyBytes = Encoding.UTF8.GetBytes(MetaKey);
    private static readonly byte[] CasKeyBytes = Encoding.UTF8.GetBytes(CasKey);
    private readonly RedisClient? _client;
    private readonly RedisClusterClient? _cluster;
    private readonly TimeProvider _time;
    private readonly Lock _atomically = new();

    /// <summary>Over one Redis (or a primary): Purple's databases are Redis databases.</summary>
    public RedisDataStore(RedisClient client, int databases, TimeProvider? time = null)
    {
        _client = client;
        Databases = databases;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Over a Redis Cluster: Purple's databases are key prefixes (<see cref="RedisKeyName"/>).</summary>
    public RedisDataStore(RedisClusterClient cluster, int databases, TimeProvider? time = null)
    {
        _cluster = cluster;
        Databases = databases;
        _time = time ?? TimeProvider.System;
    }

    public int Databases { get; }

    public bool IsCluster => _cluster is not null;

    /// <summary>Where Redis is, for logs (never a password).</summary>
    public string Location => _cluster is not null ? "cluster " + _cluster.Name : _client!.Endpoint.ToString();

    /// <summary>Connections opened to Redis (a cluster: to any of its nodes), reconnects included.</summary>
    public long Connections => _cluster?.Reconnects ?? Interlocked.Read(ref _client!.Reconnects);

    /// <summary>Commands sent again because a cluster node answered MOVED, ASK, TRYAGAIN or CLUSTERDOWN.</summary>
    public long Redirects => _cluster is null ? 0 : Interlocked.Read(ref _cluster.Redirects);

    /// <summary>Times the cluster's slot map was read (CLUSTER SLOTS).</summary>
    public long TopologyRefreshes => _cluster is null ? 0 : Interlocked.Read(ref _cluster.TopologyRefreshes);

    /// <summary>Whether Redis answers now (startup logs it; clients get errors until it does).</summary>
    public void Ping()
    {
        if (_cluster is not null) _cluster.Refresh(force: true);
        else Check(_client!.Call(0, "PING"));
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Purple's own keys, hidden from the database's listing (on a cluster they all live in database 0's keyspace).</summary>
    private bool IsInternal(int db, ReadOnlySpan<byte> key) => _cluster is not null
        ? db == 0 && RedisKeyName.IsReserved(key)
        : key.SequenceEqual(MetaKeyBytes) || key.SequenceEqual(CasKeyBytes);

    /// <summary>The Redis key of Purple key <paramref name="key"/> in database <paramref name="db"/>.</summary>
    private byte[] Name(int db, ReadOnlySpan<byte> key) => _cluster is not null ? RedisKeyName.Of(db, key) : key.ToArray();

    private byte[][] Names(int db, IReadOnlyList<byte[]> keys)
    {
        var names = new byte[keys.Count][];
        for (int i = 0; i < names.Length; i++) names[i] = Name(db, keys[i]);
        return names;
    }

    /// <summary>The slot every one of <paramref name="names"/> is on; a clear error when they span several (as Redis Cluster refuses them).</summary>
    private int SlotOf(IReadOnlyList<byte[]> names)
    {
        if (_cluster is null || names.Count == 0) return 0;
        int slot = RedisSlot.Of(names[0]);
        for (int i = 1; i < names.Count; i++)
        {
            if (RedisSlot.Of(names[i]) != slot) throw CrossSlot();
        }
        return slot;
    }

    internal static StorageNotSupportedException CrossSlot() => new(
        "CROSSSLOT Keys in request don't hash to the same slot: on a Redis Cluster, the keys of one command must share a hash tag, such as {user1}:a and {user1}:b");

    /// <summary>Commands about keys of one slot (standalone: of database <paramref name="db"/>), as one pipeline.</summary>
    private RedisReply[] Send(int db, int slot, IReadOnlyList<IReadOnlyList<object>> commands) =>
        _cluster is not null ? _cluster.Pipeline(slot, commands) : _client!.Pipeline(db, commands);

    /// <summary>One command about the Redis key <paramref name="name"/> (already mapped by <see cref="Name"/>).</summary>
    private RedisReply Send(int db, byte[] name, params object[] args) =>
        Send(db, _cluster is null ? 0 : RedisSlot.Of(name), [args])[0];

    /// <summary>
    /// Runs a script (EVALSHA, then EVAL when the server does not have it yet) over Purple keys of one slot, with that
    /// slot's metadata hash and CAS counter as KEYS[1] and KEYS[2], and returns its reply.
    /// </summary>
    private RedisReply Run(int db, RedisScript script, IReadOnlyList<byte[]> keys, params object[] args) =>
        RunOn(db, Names(db, keys), script, args);

    private RedisReply RunOn(int db, byte[][] names, RedisScript script, params object[] args) =>
        RunAt(db, SlotOf(names), names, script, args);

    private RedisReply RunAt(int db, int slot, byte[][] names, RedisScript script, params object[] args)
    {
        var (meta, cas) = _cluster is null ? (MetaKeyBytes, CasKeyBytes) : (RedisKeyName.Meta(slot), RedisKeyName.Cas(slot));
        var command = new List<object>(4 + names.Length + args.Length) { "EVALSHA", script.Sha1, 2 + names.Length, meta, cas };
        command.AddRange(names);
        command.AddRange(args);
        var reply = Send(db, slot, [command])[0];
        if (reply.IsError && reply.Text!.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            command[0] = "EVAL";
            command[1] = script.Source;
            reply = Send(db, slot, [command])[0];
        }
        if (reply.IsError) return reply;
        if (reply.Kind != RedisReplyKind.Array || reply.Items!.Length == 0) throw new StorageProtocolException("script returned no status");
        return reply;
    }

    private static ExecResult Failure(RedisReply reply) => ExecResult.Fail(ErrorOf(
        reply.IsError ? reply.Text! : reply.Items!.Length > 1 ? reply.Items[1].AsString() : "a script failed without a reason"));

    /// <summary>Redis's error texts as Purple's errors; anything unexpected means Redis refused for its own reasons.</summary>
    private static PurpleError ErrorOf(string text) => text switch
    {
        _ when text.StartsWith("WRONGTYPE", StringComparison.Ordinal) => PurpleError.WrongType,
        _ when text.StartsWith("OOM", StringComparison.Ordinal) => PurpleError.OutOfMemory,
        _ when text.Contains("not an integer", StringComparison.Ordinal) => PurpleError.NotInteger,
        _ when text.Contains("overflow", StringComparison.Ordinal) => PurpleError.Overflow,
        _ when text.StartsWith("NOSUCHKEY", StringComparison.Ordinal) || text.Contains("no such key", StringComparison.Ordinal) => PurpleError.NoSuchKey,
        _ => throw new StorageUnavailableException("redis refused: " + text),
    };

    private static string Status(RedisReply reply) => reply.Items![0].AsString();

    public bool CanAcceptWrite() => true;

    public T Atomically<T>(Func<T> body)
    {
        // Serializes this node's transactions; other nodes over the same Redis are not held (documented).
        lock (_atomically) return body();
    }

    public void Dispose()
    {
        _sweeper?.Dispose();
        _client?.Dispose();
        _cluster?.Dispose();
    }
}
