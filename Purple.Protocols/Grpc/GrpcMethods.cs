using System.Buffers;
using Google.Protobuf;

namespace Purple.Protocols.Grpc;

/// <summary>A method the gRPC listener serves; its shape is the interface it implements.</summary>
public interface IGrpcMethod;

/// <summary>
/// Parses a request message, runs, returns its response (or throws <see cref="GrpcStatusException"/>). A unary
/// method takes exactly one request message; a per-message streaming method answers each message of a
/// bidirectional stream with one response, in order (what server reflection needs).
/// </summary>
public interface IGrpcUnaryMethod : IGrpcMethod
{
    bool StreamsPerMessage { get; }

    IMessage Invoke(ReadOnlySequence<byte> request, CancellationToken deadline);
}

internal sealed class GrpcUnaryMethod<TRequest, TResponse> : IGrpcUnaryMethod
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser;
    private readonly Func<TRequest, TResponse> _handler;

    public GrpcUnaryMethod(MessageParser<TRequest> parser, Func<TRequest, TResponse> handler, bool streamsPerMessage = false)
    {
        _parser = parser;
        _handler = handler;
        StreamsPerMessage = streamsPerMessage;
    }

    public bool StreamsPerMessage { get; }

    public IMessage Invoke(ReadOnlySequence<byte> request, CancellationToken deadline)
    {
        TRequest message;
        try
        {
            message = _parser.ParseFrom(request);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "grpc: error unmarshalling request: " + ex.Message);
        }
        deadline.ThrowIfCancellationRequested();
        return _handler(message);
    }
}

/// <summary>A method that answers one request with a stream of responses.</summary>
public interface IGrpcServerStreamingMethod : IGrpcMethod
{
    IAsyncEnumerable<IMessage> Stream(ReadOnlySequence<byte> request, CancellationToken cancellation);
}

internal sealed class GrpcServerStreamingMethod<TRequest, TResponse> : IGrpcServerStreamingMethod
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser;
    private readonly Func<TRequest, CancellationToken, IAsyncEnumerable<TResponse>> _handler;

    public GrpcServerStreamingMethod(MessageParser<TRequest> parser, Func<TRequest, CancellationToken, IAsyncEnumerable<TResponse>> handler)
    {
        _parser = parser;
        _handler = handler;
    }

    public async IAsyncEnumerable<IMessage> Stream(ReadOnlySequence<byte> request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        TRequest message;
        try
        {
            message = _parser.ParseFrom(request);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "grpc: error unmarshalling request: " + ex.Message);
        }
        await foreach (var response in _handler(message, cancellation).ConfigureAwait(false)) yield return response;
    }
}

/// <summary>Every method the gRPC listener serves, by path ("/package.Service/Method").</summary>
public sealed class GrpcMethodTable
{
    private readonly Dictionary<string, IGrpcMethod> _methods = new(StringComparer.Ordinal);

    public GrpcMethodTable Add<TRequest, TResponse>(string service, string method, MessageParser<TRequest> parser, Func<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        _methods.Add($"/{service}/{method}", new GrpcUnaryMethod<TRequest, TResponse>(parser, handler));
        return this;
    }

    /// <summary>A bidirectional streaming method that answers every request message with one response.</summary>
    public GrpcMethodTable AddPerMessageStream<TRequest, TResponse>(string service, string method, MessageParser<TRequest> parser, Func<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        _methods.Add($"/{service}/{method}", new GrpcUnaryMethod<TRequest, TResponse>(parser, handler, streamsPerMessage: true));
        return this;
    }

    /// <summary>A server-streaming method: one request message, then the responses the handler yields, until it ends or the client leaves.</summary>
    public GrpcMethodTable AddServerStreaming<TRequest, TResponse>(string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, CancellationToken, IAsyncEnumerable<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        _methods.Add($"/{service}/{method}", new GrpcServerStreamingMethod<TRequest, TResponse>(parser, handler));
        return this;
    }

    /// <summary>The services with at least one method, by full name ("package.Service").</summary>
    public IEnumerable<string> Services => _methods.Keys.Select(p => p[1..p.LastIndexOf('/')]).Distinct(StringComparer.Ordinal);

    /// <summary>The method at a path ("/package.Service/Method"), or null.</summary>
    public IGrpcMethod? Find(string path) => _methods.GetValueOrDefault(path);

    public IEnumerable<string> Paths => _methods.Keys;
}
