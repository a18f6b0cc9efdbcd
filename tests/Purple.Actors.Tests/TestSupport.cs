using System.Text;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

/// <summary>A clock the test moves by hand (Microsoft.Extensions.TimeProvider.Testing is not available here).</summary>
internal sealed class FakeTime : TimeProvider
{
    private long _nowMs;

    public FakeTime(long startMs = 1_700_000_000_000) => _nowMs = startMs;

    public long NowMs => Interlocked.Read(ref _nowMs);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);

    public void Advance(long ms) => Interlocked.Add(ref _nowMs, ms);
}

internal static class T
{
    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    public static string S(byte[]? b) => b is null ? "<null>" : Encoding.UTF8.GetString(b);

    public static PurpleEngine Engine(FakeTime? time = null, long capacity = 1L << 30, EvictionPolicy policy = EvictionPolicy.Lru,
        EvictionScope scope = EvictionScope.Volatile, int shards = 4) =>
        new(new EngineOptions { Time = time ?? new FakeTime(), CapacityBytes = capacity, Eviction = policy, Scope = scope, Shards = shards });

    public static ExecResult Set(this PurpleEngine e, string key, string value, long expiresAt = 0, int db = 0) =>
        e.Execute(new SetCommand(db, B(key), B(value), expiresAt));

    public static string? Get(this PurpleEngine e, string key, int db = 0) =>
        e.TryGet(db, B(key), out var item) == ReadStatus.Found ? S(item.Value) : null;

    public static ExecResult SAdd(this PurpleEngine e, string key, params string[] members) =>
        e.Execute(new SAddCommand(0, B(key), members.Select(B).ToArray()));
}

/// <summary>A random mix of every kind of write over a small key space, and the state it leaves as comparable text.</summary>
internal static class RandomWrites
{
    /// <param name="later">A time after the test's clock: the TTLs given are around it.</param>
    public static WriteCommand Next(Random rng, int databases, long later)
    {
        int db = rng.Next(databases);
        byte[] Key() => B("k" + rng.Next(120));
        return rng.Next(16) switch
        {
            0 or 1 => new SetCommand(db, Key(), B(new string('v', rng.Next(1, 400))), rng.Next(3) == 0 ? later + rng.Next(1000) : 0,
                ClientFlags: (uint)rng.Next(4), ContentType: rng.Next(4) == 0 ? "text/plain" : null),
            2 => new IncrByCommand(db, B("n" + rng.Next(10)), rng.Next(-5, 10)),
            3 => new AppendCommand(db, Key(), B("+")),
            4 => new SAddCommand(db, B("s" + rng.Next(10)), [B("m" + rng.Next(40)), B("m" + rng.Next(40))]),
            5 => new SRemCommand(db, B("s" + rng.Next(10)), [B("m" + rng.Next(40))]),
            6 => new DeleteCommand(db, [Key(), Key()]),
            7 => new MSetCommand(db, [Key(), Key(), Key()], [B("a"), B("b"), B("c")]),
            8 => new RenameCommand(db, Key(), Key()),
            9 => new ExpireCommand(db, Key(), later + rng.Next(1000)),
            10 => new SPopCommand(db, B("s" + rng.Next(10)), 1, (ulong)rng.NextInt64()),
            11 => rng.Next(400) == 0 ? new FlushDbCommand(db) : new PersistCommand(db, Key()),
            12 => rng.Next(1000) == 0 ? new FlushAllCommand() : new GetDelCommand(db, Key()),
            13 => new GetExCommand(db, Key(), (GetExAction)rng.Next(3), rng.Next(8) == 0 ? 1 : later + rng.Next(1000)),
            14 => new InvalidateCommand(db, Key(), (GetExAction)rng.Next(3), later + rng.Next(1000)),
            _ => new LeaseCommand(db, Key(), (GetExAction)rng.Next(3), later + rng.Next(1000), Vivify: rng.Next(2) == 0,
                VivifyExpiresAt: later + rng.Next(1000), RecacheBefore: later + rng.Next(1000)),
        };
    }

    /// <summary>Every key of every database with its type, value, expiry and metadata, one per line in key order.</summary>
    public static string Dump(PurpleEngine e, int databases)
    {
        var lines = new List<string>();
        for (int db = 0; db < databases; db++)
        {
            foreach (var key in e.Keys(db, B("*")).Select(S).Order(StringComparer.Ordinal))
            {
                string value = e.TryGet(db, B(key), out var item) == ReadStatus.Found
                    ? Line(S(item.Value), item.ExpiresAt, item.ClientFlags, item.ContentType)
                    : e.SetMembers(db, B(key), out var members) == ReadStatus.Found
                        ? Line(members, e.GetExpiresAt(db, B(key)) is var at && at > 0 ? at : 0)
                        : "?";
                lines.Add($"{db}/{key}={value}");
            }
        }
        return string.Join("\n", lines);
    }

    /// <summary>A store image in the form of <see cref="Dump"/>.</summary>
    public static string Dump(IEnumerable<ImageEntry> image) => string.Join("\n", image
        .Select(x => (x.Db, Key: S(x.Key), Value: x.Members is null
            ? Line(S(x.String), x.ExpiresAt, x.ClientFlags, x.ContentType)
            : Line(x.Members, x.ExpiresAt)))
        .OrderBy(x => x.Db).ThenBy(x => x.Key, StringComparer.Ordinal)
        .Select(x => $"{x.Db}/{x.Key}={x.Value}"));

    private static string Line(string value, long expiresAt, uint flags, string? contentType) => $"str:{value}@{expiresAt}/{flags}/{contentType}";

    private static string Line(byte[][] members, long expiresAt) =>
        "set:" + string.Join(",", members.Select(S).Order(StringComparer.Ordinal)) + "@" + expiresAt;
}
