using Purple.Actors;

namespace Purple.Node.Tests;

/// <summary>Redis's OOM rule over the wire: writes that need memory fail, reads and deletes keep working.</summary>
public class OutOfMemoryTests
{
    private const string Oom = "-OOM command not allowed when used memory > 'maxmemory'.";

    [Theory]
    [InlineData(EvictionPolicy.None, EvictionScope.All)]
    [InlineData(EvictionPolicy.Lru, EvictionScope.Volatile)]
    public async Task Writes_fail_with_redis_oom_while_reads_and_deletes_work(EvictionPolicy policy, EvictionScope scope)
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings(capacity: 64 * 1024, eviction: policy, scope: scope));
        await using var c = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        var value = new string('v', 1000);
        string reply = "";
        int stored = 0;
        for (int i = 0; i < 500 && reply != Oom; i++)
        {
            // No TTL: under the volatile scope nothing is evictable either.
            reply = (await c.CommandAsync("SET", $"k{i}", value)).ToString();
            if (reply == "+OK") stored++;
        }
        Assert.Equal(Oom, reply);
        Assert.True(stored > 10, $"only {stored} keys fit in 64 KB");
        Assert.Equal(Oom, (await c.CommandAsync("SADD", "s", "m")).ToString());
        Assert.Equal($"\"{value}\"", (await c.CommandAsync("GET", "k0")).ToString());
        Assert.Equal(":1", (await c.CommandAsync("DEL", "k0")).ToString());
        Assert.Equal(stored - 1, (await c.CommandAsync("DBSIZE")).Integer);
    }

    [Fact]
    public async Task Allkeys_lru_evicts_instead_of_refusing()
    {
        await using var host = await NodeFixture.StartAsync(NodeFixture.Settings(capacity: 64 * 1024, eviction: EvictionPolicy.Lru, scope: EvictionScope.All));
        await using var c = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        var value = new string('v', 1000);
        for (int i = 0; i < 500; i++) Assert.Equal("+OK", (await c.CommandAsync("SET", $"k{i}", value)).ToString());
        // The background sweep may still evict while we look: take a key count between two equal eviction counts.
        long keys = 0, evicted = -1;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            long before = EvictedKeys((await c.CommandAsync("INFO", "stats")).Text!);
            keys = (await c.CommandAsync("DBSIZE")).Integer;
            long after = EvictedKeys((await c.CommandAsync("INFO", "stats")).Text!);
            if (before == after)
            {
                evicted = after;
                break;
            }
        }
        Assert.InRange(keys, 10, 100);
        Assert.Equal(500 - keys, evicted);
    }

    private static long EvictedKeys(string info)
    {
        var line = info.Split("\r\n").Single(l => l.StartsWith("evicted_keys:", StringComparison.Ordinal));
        return long.Parse(line["evicted_keys:".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
