using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Purple.Protocols.Grpc.Health;

namespace Purple.Node.Tests;

/// <summary>grpc.health.v1.Health/Watch on a real node: the status at once, then its change when the node stops.</summary>
public sealed class HealthWatchTests
{
    private static async Task<(HttpResponseMessage Response, Stream Body)> WatchAsync(HttpClient http, string service, CancellationToken cancellation)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/grpc.health.v1.Health/Watch")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcTestClient.Frame(new HealthCheckRequest { Service = service }.ToByteArray())),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        return (response, await response.Content.ReadAsStreamAsync(cancellation));
    }

    private static async Task<HealthCheckResponse?> NextAsync(Stream body, CancellationToken cancellation)
    {
        var header = new byte[5];
        int read = 0;
        while (read < 5)
        {
            int n = await body.ReadAsync(header.AsMemory(read), cancellation);
            if (n == 0) return null;
            read += n;
        }
        var message = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(message, cancellation);
        return HealthCheckResponse.Parser.ParseFrom(message);
    }

    [Fact]
    public async Task Watch_sends_serving_at_once_then_not_serving_when_the_node_stops()
    {
        var host = await NodeFixture.StartAsync(NodeFixture.Settings());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri($"http://{host.GrpcEndPoint}") };
        var (response, body) = await WatchAsync(http, "purple.v1.Purple", timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await NextAsync(body, timeout.Token))!.Status);

        var unknown = await WatchAsync(http, "no.Such", timeout.Token);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.ServiceUnknown, (await NextAsync(unknown.Body, timeout.Token))!.Status);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stopping = host.StopAsync(timeout.Token);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await NextAsync(body, timeout.Token))!.Status);
        Assert.Null(await NextAsync(body, timeout.Token));   // the stream ends
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        await stopping;
        // Open watches must not hold the stop for the whole 10 s shutdown timeout.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"stop took {clock.Elapsed}");
        await host.DisposeAsync();
    }
}
