using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Purple.Node.Tests;

/// <summary>A raw unary gRPC call over HttpClient's HTTP/2 (prior knowledge): status, message and the reply.</summary>
internal sealed class GrpcTestClient : IDisposable
{
    private readonly HttpClient _http;

    public GrpcTestClient(IPEndPoint endPoint)
    {
        _http = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
        {
            BaseAddress = new Uri($"http://{endPoint}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public sealed record Reply(int Status, string? Message, byte[]? Payload, HttpResponseMessage Response);

    public static byte[] Frame(byte[] message, byte compressed = 0)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    public async Task<Reply> CallRawAsync(string path, byte[] body, Action<HttpRequestMessage>? configure = null)
    {
        // DefaultRequestVersion only applies to the Get/Post helpers; a hand-made request must ask for HTTP/2 itself.
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        configure?.Invoke(request);
        var response = await _http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        string? status = Header(response, "grpc-status");
        byte[]? payload = bytes.Length >= 5 ? bytes[5..] : null;
        return new Reply(status is null ? -1 : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Header(response, "grpc-message"), payload, response);
    }

    public async Task<(int Status, string? Message, TReply? Reply)> CallAsync<TReply>(string path, IMessage request, MessageParser<TReply> parser)
        where TReply : class, IMessage<TReply>
    {
        var reply = await CallRawAsync(path, Frame(request.ToByteArray()));
        return (reply.Status, reply.Message, reply.Status == 0 && reply.Payload is not null ? parser.ParseFrom(reply.Payload) : null);
    }
    /// <summary>The messages of a streamed response body, in order.</summary>
    public static List<byte[]> Messages(HttpResponseMessage response)
    {
        var body = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var messages = new List<byte[]>();
        for (int at = 0; at < body.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1));
            messages.Add(body[(at + 5)..(at + 5 + length)]);
            at += 5 + length;
        }
        return messages;
    }

    /// <summary>grpc-status comes in the trailers, or in the headers of a trailers-only response.</summary>
    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
        : response.Headers.TryGetValues(name, out var h) ? h.First() : null;

    public void Dispose() => _http.Dispose();
}
