using System.Buffers;
using Google.Protobuf;

namespace Purple.Protocols.Grpc;

/// <summary>A unary method: parses its request, runs, returns its response (or throws <see cref="GrpcStatusException"/>).</summary>
public interface IGrpcUnaryMethod
{
    IMessage Invoke(ReadOnlySequence<byte> request, CancellationToken deadline);
}

internal sealed class GrpcUnaryMethod<TRequest, TResponse> : IGrpcUnaryMethod
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser;
    private readonly Func<TRequest, TResponse> _handler;

    public GrpcUnaryMethod(MessageParser<TRequest> parser, Func<TRequest, TResponse> handler)
    {
        _parser = parser;
        _handler = handler;
    }

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

/// <summary>Every unary method the gRPC listener serves, by path ("/package.Service/Method").</summary>
public sealed class GrpcMethodTable
{
    private readonly Dictionary<string, IGrpcUnaryMethod> _methods = new(StringComparer.Ordinal);

    public GrpcMethodTable Add<TRequest, TResponse>(string service, string method, MessageParser<TRequest> parser, Func<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        _methods.Add($"/{service}/{method}", new GrpcUnaryMethod<TRequest, TResponse>(parser, handler));
        return this;
    }

    public bool TryFind(string path, out IGrpcUnaryMethod method) => _methods.TryGetValue(path, out method!);

    public IEnumerable<string> Paths => _methods.Keys;
}
