using Purple.Core.Execution;
using Google.Protobuf;
using Purple.Protocols.Grpc.Health;
using Purple.Protocols.Grpc.V1;

namespace Purple.Node.Tests;

/// <summary>The gRPC listener of a real node: purple.v1, health, status codes and framing errors.</summary>
public sealed class GrpcTests : IClassFixture<NodeFixture>, IDisposable
{
    private const string Svc = "/purple.v1.Purple/";
    private readonly NodeFixture _node;
    private readonly GrpcTestClient _grpc;

    public GrpcTests(NodeFixture node)
    {
        _node = node;
        _grpc = new GrpcTestClient(node.Grpc);
    }

    public void Dispose() => _grpc.Dispose();

    private static ByteString B(string s) => ByteString.CopyFromUtf8(s);

    [Fact]
    public async Task Kv_values_round_trip_with_their_content_type_and_a_miss_is_not_found()
    {
        var put = await _grpc.CallAsync(Svc + "KvPut", new KvPutRequest { Key = B("grpc:k"), Value = ByteString.CopyFrom(0, 255, 10), ContentType = "application/x" }, WriteResponse.Parser);
        Assert.Equal(0, put.Status);
        var get = await _grpc.CallAsync(Svc + "KvGet", new KeyRequest { Key = B("grpc:k") }, ValueResponse.Parser);
        Assert.Equal(new byte[] { 0, 255, 10 }, get.Reply!.Value.ToByteArray());
        Assert.Equal("application/x", get.Reply.ContentType);
        Assert.Equal(5, (await _grpc.CallAsync(Svc + "KvGet", new KeyRequest { Key = B("grpc:none") }, ValueResponse.Parser)).Status);
        Assert.True((await _grpc.CallAsync(Svc + "KvDelete", new KeyRequest { Key = B("grpc:k") }, DeleteResponse.Parser)).Reply!.Deleted);
        Assert.False((await _grpc.CallAsync(Svc + "KvDelete", new KeyRequest { Key = B("grpc:k") }, DeleteResponse.Parser)).Reply!.Deleted);
    }

    [Fact]
    public async Task Cache_entries_take_their_ttl_or_the_default()
    {
        await _grpc.CallAsync(Svc + "CacheSet", new CacheSetRequest { Key = B("grpc:c"), Value = B("v"), TtlMs = 60_000 }, WriteResponse.Parser);
        long left = _node.Host.Engine.GetExpiresAt(0, "grpc:c"u8) - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(left, 55_000, 60_000);
        await _grpc.CallAsync(Svc + "CacheSet", new CacheSetRequest { Key = B("grpc:d"), Value = B("v") }, WriteResponse.Parser);
        left = _node.Host.Engine.GetExpiresAt(0, "grpc:d"u8) - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(left, 1_000, 5_000);
        Assert.Equal("v", (await _grpc.CallAsync(Svc + "CacheGet", new KeyRequest { Key = B("grpc:c") }, ValueResponse.Parser)).Reply!.Value.ToStringUtf8());
        Assert.Equal(3, (await _grpc.CallAsync(Svc + "CacheSet", new CacheSetRequest { Key = B("grpc:e"), Value = B("v"), TtlMs = -1 }, WriteResponse.Parser)).Status);
    }

    [Fact]
    public async Task Counters_sets_and_flags_follow_the_same_rules_as_http()
    {
        Assert.Equal(7, (await _grpc.CallAsync(Svc + "CounterIncrement", new CounterIncrementRequest { Key = B("grpc:n"), Increment = 7 }, CounterResponse.Parser)).Reply!.Value);
        Assert.Equal(7, (await _grpc.CallAsync(Svc + "CounterGet", new KeyRequest { Key = B("grpc:n") }, CounterResponse.Parser)).Reply!.Value);
        var set = (await _grpc.CallAsync(Svc + "SetAdd", new SetChangeRequest { Key = B("grpc:s"), Items = { B("b"), B("a") } }, SetResponse.Parser)).Reply!;
        Assert.Equal(["a", "b"], set.Items.Select(i => i.ToStringUtf8()));
        Assert.Equal(9, (await _grpc.CallAsync(Svc + "CounterGet", new KeyRequest { Key = B("grpc:s") }, CounterResponse.Parser)).Status);
        Assert.False((await _grpc.CallAsync(Svc + "FlagGet", new KeyRequest { Key = B("grpc:f") }, FlagResponse.Parser)).Reply!.Value);
        await _grpc.CallAsync(Svc + "FlagSet", new FlagSetRequest { Key = B("grpc:f"), Value = true }, FlagResponse.Parser);
        await using var resp = await _node.ConnectAsync();
        Assert.Equal("\"true\"", (await resp.CommandAsync("GET", "grpc:f")).ToString());
        Assert.Equal("7", (await resp.CommandAsync("GET", "grpc:n")).Text);
    }

    [Fact]
    public async Task Batches_read_and_write_many_keys()
    {
        await _grpc.CallAsync(Svc + "BatchSet", new BatchSetRequest { Entries = { new BatchSetEntry { Key = B("grpc:b1"), Value = B("1") }, new BatchSetEntry { Key = B("grpc:b2"), Value = B("2") } }, TtlMs = 60_000 }, WriteResponse.Parser);
        var got = (await _grpc.CallAsync(Svc + "BatchGet", new BatchGetRequest { Keys = { B("grpc:b1"), B("grpc:nx"), B("grpc:b2") } }, BatchGetResponse.Parser)).Reply!;
        Assert.Equal([true, false, true], got.Entries.Select(e => e.Found));
        Assert.Equal("2", got.Entries[2].Value.ToStringUtf8());
        Assert.True(_node.Host.Engine.GetExpiresAt(0, "grpc:b2"u8) > 0);
    }

    [Fact]
    public async Task Health_reports_serving_for_the_server_and_its_services()
    {
        var all = await _grpc.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, all.Reply!.Status);
        var one = await _grpc.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "purple.v1.Purple" }, HealthCheckResponse.Parser);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, one.Reply!.Status);
        Assert.Equal(5, (await _grpc.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "nope" }, HealthCheckResponse.Parser)).Status);
    }

    [Fact]
    public async Task Protocol_faults_get_their_status_and_the_connection_keeps_serving()
    {
        Assert.Equal(12, (await _grpc.CallRawAsync("/purple.v1.Purple/Nope", GrpcTestClient.Frame([]))).Status);
        Assert.Equal(13, (await _grpc.CallRawAsync(Svc + "KvGet", GrpcTestClient.Frame([0xFF, 0xFF, 0xFF]))).Status);
        Assert.Equal(13, (await _grpc.CallRawAsync(Svc + "KvGet", [0, 0, 0, 0, 9, 1])).Status);
        Assert.Equal(13, (await _grpc.CallRawAsync(Svc + "KvGet", GrpcTestClient.Frame([], compressed: 1))).Status);
        Assert.Equal(12, (await _grpc.CallRawAsync(Svc + "KvGet", [.. GrpcTestClient.Frame([]), .. GrpcTestClient.Frame([])])).Status);
        var gzip = await _grpc.CallRawAsync(Svc + "KvGet", GrpcTestClient.Frame([]), r => r.Headers.TryAddWithoutValidation("grpc-encoding", "gzip"));
        Assert.Equal(12, gzip.Status);
        Assert.Equal(3, (await _grpc.CallRawAsync(Svc + "KvGet", GrpcTestClient.Frame([]), r => r.Headers.TryAddWithoutValidation("grpc-timeout", "soon"))).Status);
        Assert.Equal(8, (await _grpc.CallRawAsync(Svc + "KvPut", [0, 0x10, 0, 0, 0])).Status);
        // The same client (one HTTP/2 connection) still gets answers.
        Assert.Equal(5, (await _grpc.CallAsync(Svc + "KvGet", new KeyRequest { Key = B("grpc:none") }, ValueResponse.Parser)).Status);
        Assert.Equal(3, (await _grpc.CallAsync(Svc + "KvGet", new KeyRequest { Key = B("grpc:x"), Db = 99 }, ValueResponse.Parser)).Status);
        Assert.Equal(3, (await _grpc.CallAsync(Svc + "KvGet", new KeyRequest(), ValueResponse.Parser)).Status);
    }

    [Fact]
    public async Task A_call_past_its_deadline_is_deadline_exceeded()
    {
        var late = await _grpc.CallRawAsync(Svc + "CounterGet", GrpcTestClient.Frame(new KeyRequest { Key = B("grpc:late") }.ToByteArray()),
            r => r.Headers.TryAddWithoutValidation("grpc-timeout", "1n"));
        Assert.Equal(4, late.Status);
        var inTime = await _grpc.CallRawAsync(Svc + "CounterGet", GrpcTestClient.Frame(new KeyRequest { Key = B("grpc:late") }.ToByteArray()),
            r => r.Headers.TryAddWithoutValidation("grpc-timeout", "10S"));
        Assert.Equal(0, inTime.Status);
    }

    [Fact]
    public async Task A_health_watch_that_reaches_its_deadline_ends_with_deadline_exceeded_not_ok()
    {
        // The stream sends the status at once and then stays open; its deadline ending it is DEADLINE_EXCEEDED, as for
        // any call (an OK end at the deadline reads to a client as a stream that finished on its own).
        var watch = await _grpc.CallRawAsync("/grpc.health.v1.Health/Watch", GrpcTestClient.Frame([]),
            r => r.Headers.TryAddWithoutValidation("grpc-timeout", "300m"));
        Assert.Equal(4, watch.Status);
        Assert.True(watch.Payload is not null, $"status {watch.Status} {watch.Message}, no message");
    }

    [Fact]
    public async Task A_request_that_is_not_grpc_gets_415()
    {
        var reply = await _grpc.CallRawAsync(Svc + "KvGet", [], r => r.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json"));
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, reply.Response.StatusCode);
    }
}

/// <summary>gRPC applies the node's value limit (--proto-max-bulk-len) as RESP and HTTP do.</summary>
public sealed class GrpcValueLimitTests
{
    private static ByteString B(string s) => ByteString.CopyFromUtf8(s);

    [Fact]
    public async Task Values_over_the_limit_are_resource_exhausted_on_every_service_and_nothing_is_stored()
    {
        var settings = NodeFixture.Settings() with { ProtoMaxBulkLen = 16 * 1024 };
        await using var host = await NodeFixture.StartAsync(settings);
        using var grpc = new GrpcTestClient(host.GrpcEndPoint!);
        var big = ByteString.CopyFrom(new byte[16 * 1024 + 1]);
        var fits = ByteString.CopyFrom(new byte[16 * 1024]);
        const int ResourceExhausted = 8;

        var kv = await grpc.CallAsync("/purple.v1.Purple/KvPut", new KvPutRequest { Key = B("big"), Value = big }, WriteResponse.Parser);
        Assert.Equal(ResourceExhausted, kv.Status);
        Assert.Contains("16384 bytes", kv.Message);
        Assert.Equal(ResourceExhausted, (await grpc.CallAsync("/purple.v1.Purple/CacheSet", new CacheSetRequest { Key = B("big"), Value = big }, WriteResponse.Parser)).Status);
        Assert.Equal(ResourceExhausted, (await grpc.CallAsync("/purple.v1.Purple/SetAdd", new SetChangeRequest { Key = B("bigset"), Items = { big } }, SetResponse.Parser)).Status);
        var batch = new BatchSetRequest { Entries = { new BatchSetEntry { Key = B("b1"), Value = fits }, new BatchSetEntry { Key = B("b2"), Value = big } } };
        Assert.Equal(ResourceExhausted, (await grpc.CallAsync("/purple.v1.Purple/BatchSet", batch, WriteResponse.Parser)).Status);
        var gerdu = new Purple.Protocols.Grpc.Compat.Gerdu.PutRequest { Key = "big", Value = big };
        Assert.Equal(ResourceExhausted, (await grpc.CallAsync("/gerdu.Gerdu/Put", gerdu, Purple.Protocols.Grpc.Compat.Gerdu.PutResponse.Parser)).Status);

        foreach (var key in new[] { "big", "bigset", "b1", "b2" })
            Assert.Equal(ReadStatus.Missing, host.Engine.TryGet(0, System.Text.Encoding.UTF8.GetBytes(key), out _));
        Assert.Equal(0, (await grpc.CallAsync("/purple.v1.Purple/KvPut", new KvPutRequest { Key = B("fits"), Value = fits }, WriteResponse.Parser)).Status);
    }
}
