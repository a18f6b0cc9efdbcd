using System.Net;
using Purple.Actors;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>
/// A real node on free loopback ports, started once per test class and awaited until ready, under a timeout.
/// Tests that share it use their own keys or databases, so they do not depend on each other.
/// </summary>
public sealed class NodeFixture : IAsyncLifetime
{
    public PurpleHost Host { get; private set; } = null!;

    public IPEndPoint Resp => Host.RespEndPoint!;

    public IPEndPoint Http => Host.HttpEndPoint!;

    public IPEndPoint Memcached => Host.MemcachedEndPoint!;

    public IPEndPoint Grpc => Host.GrpcEndPoint!;

    public static NodeSettings Settings(long capacity = 64L << 20, EvictionPolicy eviction = EvictionPolicy.Lru, EvictionScope scope = EvictionScope.Volatile) =>
        new(IPAddress.Loopback, PurpleHost.AnyFreePort, PurpleHost.AnyFreePort, PurpleHost.AnyFreePort, PurpleHost.AnyFreePort, capacity, "test", eviction, scope,
            Databases: 16, Shards: 16, ProtoMaxBulkLen: 512L << 20, JsonLogs: false, InlineIo: true, ConfigFile: null);

    public static async Task<PurpleHost> StartAsync(NodeSettings settings)
    {
        var host = PurpleHost.Create(settings, logging => { });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(cts.Token);
        while (!host.IsReady)
        {
            await Task.Delay(10, cts.Token);
        }
        return host;
    }

    public async Task InitializeAsync() => Host = await StartAsync(Settings());

    public async Task DisposeAsync() => await Host.DisposeAsync();

    internal Task<RespTestClient> ConnectAsync() => RespTestClient.ConnectAsync(Resp);
}
