using Google.Protobuf;
using Google.Protobuf.Reflection;
using Purple.Protocols.Grpc.Reflection;

namespace Purple.Protocols.Grpc;

/// <summary>
/// gRPC server reflection (grpc.reflection.v1 and v1alpha, the same messages): lists the services the node
/// serves and hands out the descriptors of their proto files, so grpcurl-style clients call Purple without
/// its protos. Answers come from the descriptors compiled into this assembly, never from files on disk.
/// </summary>
public sealed class ReflectionService
{
    public static IReadOnlyList<string> Names { get; } = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

    /// <summary>Every proto file whose services the gRPC listener may serve.</summary>
    public static IReadOnlyList<FileDescriptor> KnownFiles => Known.Files;

    // Apart from the class, so that registering the service does not build the descriptors: parsing them is ~70 ms of
    // CPU, which every start paid beside its recovery, for queries that may never come (docs/performance.md).
    private static class Known
    {
        public static readonly IReadOnlyList<FileDescriptor> Files =
        [
            V1.PurpleReflection.Descriptor,
            Health.HealthReflection.Descriptor,
            ReflectionReflection.Descriptor,
            Compat.Purple.CacheReflection.Descriptor,
            Compat.Purple.CounterReflection.Descriptor,
            Compat.Purple.FlagReflection.Descriptor,
            Compat.Purple.KvReflection.Descriptor,
            Compat.Purple.SetReflection.Descriptor,
            Compat.Gerdu.GerduReflection.Descriptor,
        ];
    }

    private readonly Func<IEnumerable<string>> _services;
    private readonly Lazy<(Dictionary<string, FileDescriptor> ByName, Dictionary<string, FileDescriptor> BySymbol)> _index;

    /// <param name="files">The files to answer from, asked for at the first query that needs them.</param>
    /// <param name="services">The services to list, read on every request (the method table's, so it is never stale).</param>
    public ReflectionService(Func<IEnumerable<FileDescriptor>> files, Func<IEnumerable<string>> services)
    {
        _services = services;
        _index = new(() =>
        {
            var byName = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
            var bySymbol = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
            foreach (var file in files()) Index(file, byName, bySymbol);
            return (byName, bySymbol);
        });
    }

    public void Register(GrpcMethodTable methods)
    {
        foreach (var name in Names)
            methods.AddPerMessageStream(name, "ServerReflectionInfo", ServerReflectionRequest.Parser, Answer);
    }

    public ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                foreach (var name in _services().Order(StringComparer.Ordinal)) list.Service.Add(new ServiceResponse { Name = name });
                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                response = Files(response, _index.Value.ByName.GetValueOrDefault(request.FileByFilename), $"file {request.FileByFilename} not found");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                response = Files(response, _index.Value.BySymbol.GetValueOrDefault(request.FileContainingSymbol.TrimStart('.')), $"symbol {request.FileContainingSymbol} not found");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                // Purple's protos are proto3 and declare no extensions.
                response.ErrorResponse = Error(GrpcStatusCode.NotFound, $"extension {request.FileContainingExtension.ExtensionNumber} of {request.FileContainingExtension.ContainingType} not found");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (_index.Value.BySymbol.ContainsKey(request.AllExtensionNumbersOfType.TrimStart('.')))
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType.TrimStart('.') };
                else
                    response.ErrorResponse = Error(GrpcStatusCode.NotFound, $"type {request.AllExtensionNumbersOfType} not found");
                break;
            default:
                response.ErrorResponse = Error(GrpcStatusCode.InvalidArgument, "the request names no reflection query");
                break;
        }
        return response;
    }

    /// <summary>The file first, then everything it imports (transitively), each once, as the protocol asks.</summary>
    private static ServerReflectionResponse Files(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            response.ErrorResponse = Error(GrpcStatusCode.NotFound, notFound);
            return response;
        }
        var files = new FileDescriptorResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<FileDescriptor>([file]);
        while (pending.TryDequeue(out var next))
        {
            if (!seen.Add(next.Name)) continue;
            files.FileDescriptorProto.Add(next.SerializedData);
            foreach (var dependency in next.Dependencies) pending.Enqueue(dependency);
        }
        response.FileDescriptorResponse = files;
        return response;
    }

    private static ErrorResponse Error(GrpcStatusCode code, string message) => new() { ErrorCode = (int)code, ErrorMessage = message };

    private static void Index(FileDescriptor file, Dictionary<string, FileDescriptor> byName, Dictionary<string, FileDescriptor> bySymbol)
    {
        if (!byName.TryAdd(file.Name, file)) return;
        foreach (var dependency in file.Dependencies) Index(dependency, byName, bySymbol);
        foreach (var service in file.Services)
        {
            bySymbol[service.FullName] = file;
            foreach (var method in service.Methods) bySymbol[method.FullName] = file;
        }
        foreach (var message in file.MessageTypes) IndexMessage(message, file, bySymbol);
        foreach (var type in file.EnumTypes) bySymbol[type.FullName] = file;
    }

    private static void IndexMessage(MessageDescriptor message, FileDescriptor file, Dictionary<string, FileDescriptor> bySymbol)
    {
        bySymbol[message.FullName] = file;
        foreach (var nested in message.NestedTypes) IndexMessage(nested, file, bySymbol);
        foreach (var type in message.EnumTypes) bySymbol[type.FullName] = file;
    }
}
