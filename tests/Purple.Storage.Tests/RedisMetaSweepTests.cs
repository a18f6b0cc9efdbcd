using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Purple.Core.Execution;
using Purple.Storage.Redis;

namespace Purple.Storage.Tests;

/// <summary>
/// The metadata walk of <c>--storage redis</c> against a real redis-server of its own: it drops only an entry that is
/// still what the walk saw. Garnet without <c>--lua-transaction-mode</c> runs other scripts between a script's
/// commands, and a memcached set landing between the walk's EXISTS and HDEL lost its flags (seen once in test.sh's
/// Garnet pass: <c>set f 0 65536</c>, then <c>get f</c> answered flags 0).
/// </summary>
public sealed class RedisMetaSweepTests : IDisposable
{
    private readonly Process _server;
    private readonly RedisClient _plain;
    private readonly RedisDataStore _store;

    public RedisMetaSweepTests()
    {
        int port = FreePort();
        // redis-server is installed by test.sh; without it this test fails, as CI must.
        _server = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("redis-server did not start");
        Assert.True(RedisEndpoint.TryParse($"redis://127.0.0.1:{port}", out var endpoint, out var error), error);
        _plain = new RedisClient(endpoint!, connections: 1);
        var ready = Stopwatch.StartNew();
        while (!Answers(_plain))
        {
            Assert.True(ready.Elapsed < TimeSpan.FromSeconds(10), "redis-server did not answer PING within 10 s");
            Thread.Sleep(50);
        }
        _store = new RedisDataStore(new RedisClient(endpoint!, connections: 1), databases: 16);
    }

    [Fact]
    public void An_entry_whose_key_is_gone_is_dropped_only_while_it_is_what_the_walk_saw()
    {
        _plain.Call(0, "HSET", RedisDataStore.MetaKey, "gone", "7|100|", "rewritten", "7|200|", "alive", "7|300|");
        _plain.Call(0, "SET", "alive", "v");
        // "rewritten" was written again after the walk saw it (a new CAS): a concurrent store of the key.
        object[] seen = [B("7|100|"), B("7|150|"), B("7|300|")];

        long dropped = _store.DropMetaOfMissing(0, 0, [B("gone"), B("rewritten"), B("alive")], seen);

        Assert.Equal(1, dropped);
        Assert.Equal(["alive", "rewritten"], Fields());
        Assert.Equal("7|200|", _plain.Call(0, "HGET", RedisDataStore.MetaKey, "rewritten").AsString());
    }

    [Fact]
    public void The_walk_drops_the_metadata_of_keys_deleted_behind_its_back()
    {
        _plain.Call(0, "HSET", RedisDataStore.MetaKey, "a", "1|10|", "b", "2|20|");
        _plain.Call(0, "SET", "b", "v");

        Assert.Equal(1, _store.Sweep(batch: 100));

        Assert.Equal(["b"], Fields());
    }

    private string[] Fields() =>
        [.. _plain.Call(0, "HKEYS", RedisDataStore.MetaKey).Items!.Select(f => f.AsString()).Order(StringComparer.Ordinal)];

    private static bool Answers(RedisClient client)
    {
        try
        {
            return !client.Call(0, "PING").IsError;
        }
        catch (StorageException)
        {
            return false;
        }
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _store.Dispose();
        _plain.Dispose();
        _server.Kill();
        _server.WaitForExit();
        _server.Dispose();
    }
}
