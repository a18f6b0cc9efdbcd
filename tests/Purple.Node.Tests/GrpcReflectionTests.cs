using Google.Protobuf;
using Google.Protobuf.Reflection;
using Purple.Protocols.Grpc.Reflection;

namespace Purple.Node.Tests;

/// <summary>Server reflection on a real node: one response per request message of the stream, in order.</summary>
public sealed class GrpcReflectionTests : IClassFixture<NodeFixture>, IDisposable
{
    private readonly GrpcTestClient _grpc;

    public GrpcReflectionTests(NodeFixture node)
    {
        _grpc = new GrpcTestClient(node.Grpc);
    }

    public void Dispose() => _grpc.Dispose();

    private async Task<List<ServerReflectionResponse>> AskAsync(string service, params ServerReflectionRequest[] requests)
    {
        var body = requests.SelectMany(r => GrpcTestClient.Frame(r.ToByteArray())).ToArray();
        var reply = await _grpc.CallRawAsync($"/{service}/ServerReflectionInfo", body);
        Assert.Equal(0, reply.Status);
        return GrpcTestClient.Messages(reply.Response).Select(ServerReflectionResponse.Parser.ParseFrom).ToList();
    }

    private static List<FileDescriptorProto> Files(ServerReflectionResponse response) =>
        response.FileDescriptorResponse.FileDescriptorProto.Select(FileDescriptorProto.Parser.ParseFrom).ToList();

    [Theory]
    [InlineData("grpc.reflection.v1.ServerReflection")]
    [InlineData("grpc.reflection.v1alpha.ServerReflection")]
    public async Task Lists_every_served_service_and_describes_a_method_with_its_messages(string service)
    {
        var answers = await AskAsync(service,
            new ServerReflectionRequest { ListServices = "*" },
            new ServerReflectionRequest { FileContainingSymbol = "purple.v1.Purple.KvGet" },
            new ServerReflectionRequest { FileContainingSymbol = "no.such.Symbol" });
        Assert.Equal(3, answers.Count);

        var services = answers[0].ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Equal(["gerdu.Gerdu", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
            "proto.Cache", "proto.Counter", "proto.Flag", "proto.KV", "proto.Set", "purple.v1.Purple"], services);

        var file = Assert.Single(Files(answers[1]));
        Assert.Equal("purple/v1/purple.proto", file.Name);
        var kvGet = file.Service.Single(s => s.Name == "Purple").Method.Single(m => m.Name == "KvGet");
        Assert.Equal(".purple.v1.KeyRequest", kvGet.InputType);
        Assert.Contains(file.MessageType, m => m.Name == "ValueResponse");
        Assert.Equal("purple.v1.Purple.KvGet", answers[1].OriginalRequest.FileContainingSymbol);

        Assert.Equal(5, answers[2].ErrorResponse.ErrorCode);
    }

    [Fact]
    public async Task A_file_comes_with_the_files_it_imports_and_messages_are_found_by_their_full_name()
    {
        var answers = await AskAsync(ReflectionServiceName,
            new ServerReflectionRequest { FileByFilename = "cache.proto" },
            new ServerReflectionRequest { FileContainingSymbol = ".gerdu.PutRequest" },
            new ServerReflectionRequest { FileByFilename = "missing.proto" },
            new ServerReflectionRequest { AllExtensionNumbersOfType = "purple.v1.KeyRequest" });
        Assert.Equal(["cache.proto", "common.proto"], Files(answers[0]).Select(f => f.Name));
        Assert.Equal("gerdu.proto", Assert.Single(Files(answers[1])).Name);
        Assert.Equal(5, answers[2].ErrorResponse.ErrorCode);
        Assert.Equal("purple.v1.KeyRequest", answers[3].AllExtensionNumbersResponse.BaseTypeName);
        Assert.Empty(answers[3].AllExtensionNumbersResponse.ExtensionNumber);
    }

    [Fact]
    public async Task A_stream_with_no_requests_ends_ok_and_a_truncated_one_is_internal()
    {
        Assert.Empty(await AskAsync(ReflectionServiceName));
        var frame = GrpcTestClient.Frame(new ServerReflectionRequest { ListServices = "" }.ToByteArray());
        var reply = await _grpc.CallRawAsync($"/{ReflectionServiceName}/ServerReflectionInfo", [.. frame, .. frame[..3]]);
        Assert.Equal(13, reply.Status);
        Assert.Single(GrpcTestClient.Messages(reply.Response));
    }

    private const string ReflectionServiceName = "grpc.reflection.v1.ServerReflection";
}
