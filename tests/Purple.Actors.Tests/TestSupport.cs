using System.Text;
using Purple.Core.Commands;
using Purple.Core.Execution;

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
