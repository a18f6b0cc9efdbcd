using System.Net;
using Purple.Actors;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Client.Tests;

/// <summary>A real node on free ports (gRPC and RESP), started once for the class and awaited until ready.</summary>
public sealed class ClientNode : IAsyncLifetime
{
    public PurpleHost Host { get; private set; } = null!;

    public static NodeSettings Settings(long capacity = 64L << 20, EvictionPolicy eviction = EvictionPolicy.Lru) =>
        new(IPAddress.Loopback, PurpleHost.AnyFreePort, 0, 0, PurpleHost.AnyFreePort, capacity, "test", eviction, EvictionScope.Volatile,
            Databases: 16, Shards: 16, ProtoMaxBulkLen: 512L << 20, JsonLogs: false, InlineIo: true, ConfigFile: null);

    public static async Task<PurpleHost> StartAsync(NodeSettings settings)
    {
        var host = PurpleHost.Create(settings, logging => { });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(cts.Token);
        while (!host.IsReady) await Task.Delay(10, cts.Token);
        return host;
    }

    public Uri Address => new($"http://{Host.GrpcEndPoint}");

    public async Task InitializeAsync() => Host = await StartAsync(Settings());

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class ClientTests : IClassFixture<ClientNode>, IDisposable
{
    private readonly ClientNode _node;
    private readonly PurpleClient _client;

    public ClientTests(ClientNode node)
    {
        _node = node;
        _client = new PurpleClient(node.Address);
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Cache_values_round_trip_and_a_miss_is_null()
    {
        await _client.CacheSetAsync("cl:c", [1, 2, 3], TimeSpan.FromMinutes(1));
        Assert.Equal(new byte[] { 1, 2, 3 }, await _client.CacheGetAsync("cl:c"));
        long left = _node.Host.Engine.GetExpiresAt(0, "cl:c"u8) - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(left, 55_000, 60_000);
        Assert.True(await _client.CacheDeleteAsync("cl:c"));
        Assert.Null(await _client.CacheGetAsync("cl:c"));
        Assert.False(await _client.CacheDeleteAsync("cl:c"));
    }

    [Fact]
    public async Task Kv_keeps_the_content_type_and_databases_are_apart()
    {
        await _client.KvPutAsync("cl:k", "{}"u8.ToArray(), "application/json", db: 3);
        var value = await _client.KvGetAsync("cl:k", db: 3);
        Assert.NotNull(value);
        Assert.Equal("application/json", value.ContentType);
        Assert.Null(await _client.KvGetAsync("cl:k"));
        Assert.True(await _client.KvDeleteAsync("cl:k", db: 3));
    }

    [Fact]
    public async Task Counters_sets_flags_and_batches()
    {
        Assert.Equal(0, await _client.CounterGetAsync("cl:n"));
        Assert.Equal(5, await _client.CounterIncrementAsync("cl:n", 5));
        Assert.Equal(4, await _client.CounterIncrementAsync("cl:n", -1));
        Assert.Equal(["a", "b"], await _client.SetAddAsync("cl:s", ["b", "a"]));
        Assert.Equal(["b"], await _client.SetRemoveAsync("cl:s", ["a"]));
        Assert.Equal(["b"], await _client.SetGetAsync("cl:s"));
        Assert.False(await _client.FlagGetAsync("cl:f"));
        await _client.FlagSetAsync("cl:f", true);
        Assert.True(await _client.FlagGetAsync("cl:f"));
        await _client.BatchSetAsync([new("cl:b1", [1]), new("cl:b2", [2])]);
        var got = await _client.BatchGetAsync(["cl:b1", "cl:nx", "cl:b2"]);
        Assert.Equal(new byte[] { 1 }, got[0]);
        Assert.Null(got[1]);
        Assert.Equal(new byte[] { 2 }, got[2]);
    }

    [Fact]
    public async Task Failures_are_typed_exceptions()
    {
        await _client.SetAddAsync("cl:set", ["x"]);
        var wrongType = await Assert.ThrowsAsync<PurpleWrongTypeException>(() => _client.CounterGetAsync("cl:set"));
        Assert.Equal(9, wrongType.StatusCode);
        Assert.Contains("WRONGTYPE", wrongType.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PurpleInvalidArgumentException>(() => _client.KvGetAsync("cl:k", db: 99));
        await Assert.ThrowsAsync<PurpleInvalidArgumentException>(() => _client.KvGetAsync(""));
        await _client.KvPutAsync("cl:max", "9223372036854775807"u8.ToArray());
        await Assert.ThrowsAsync<PurpleWrongTypeException>(() => _client.CounterIncrementAsync("cl:max"));
    }

    [Fact]
    public async Task Cancellation_and_deadlines_are_honoured()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.CounterGetAsync("cl:x", cancellationToken: cancelled.Token));
        Assert.Equal(0, await _client.CounterGetAsync("cl:x", deadline: TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_unreachable_node_is_unavailable()
    {
        using var nowhere = new PurpleClient(new Uri("http://127.0.0.1:1"));
        await Assert.ThrowsAsync<PurpleUnavailableException>(() => nowhere.CounterGetAsync("x"));
    }

    [Fact]
    public async Task Out_of_memory_is_its_own_exception()
    {
        await using var host = await ClientNode.StartAsync(ClientNode.Settings(capacity: 64 * 1024, eviction: EvictionPolicy.None));
        using var client = new PurpleClient(new Uri($"http://{host.GrpcEndPoint}"));
        var error = await Assert.ThrowsAsync<PurpleOutOfMemoryException>(async () =>
        {
            for (int i = 0; i < 1000; i++) await client.KvPutAsync($"k{i}", new byte[1000]);
        });
        Assert.Equal(8, error.StatusCode);
    }
}
