using Google.Protobuf.Reflection;
using Purple.Protocols.Grpc;
using Purple.Protocols.Grpc.Reflection;

namespace Purple.Protocols.Tests.Grpc;

public sealed class ReflectionServiceTests
{
    [Fact]
    public void The_descriptors_are_built_at_the_first_query_that_needs_them_not_when_the_service_is_registered()
    {
        // Building them is ~70 ms of CPU; every node registers the service, few ever ask it anything.
        int asked = 0;
        var reflection = new ReflectionService(() =>
        {
            asked++;
            return ReflectionService.KnownFiles;
        }, () => ["purple.v1.Purple"]);
        var methods = new GrpcMethodTable();
        reflection.Register(methods);
        var listed = reflection.Answer(new ServerReflectionRequest { ListServices = "*" });
        Assert.Equal(["purple.v1.Purple"], listed.ListServicesResponse.Service.Select(s => s.Name));
        Assert.Equal(0, asked);

        var found = reflection.Answer(new ServerReflectionRequest { FileContainingSymbol = "purple.v1.Purple.KvGet" });
        reflection.Answer(new ServerReflectionRequest { FileByFilename = "no/such.proto" });
        Assert.Equal(1, asked);
        var first = FileDescriptorProto.Parser.ParseFrom(found.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Contains(first.Service, s => s.Name == "Purple");
    }
}
