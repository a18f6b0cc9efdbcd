using Purple.Protocols.Grpc.Health;

namespace Purple.Protocols.Grpc;

/// <summary>grpc.health.v1.Health/Check: SERVING for the server ("") and each service it hosts, NOT_FOUND for others.</summary>
public sealed class HealthService
{
    public const string Name = "grpc.health.v1.Health";

    private readonly Func<bool> _ready;
    private readonly HashSet<string> _services;

    public HealthService(Func<bool> ready, IEnumerable<string> services)
    {
        _ready = ready;
        _services = new HashSet<string>(services, StringComparer.Ordinal) { "" };
    }

    public void Register(GrpcMethodTable methods) =>
        methods.Add(Name, "Check", HealthCheckRequest.Parser, Check);

    private HealthCheckResponse Check(HealthCheckRequest request)
    {
        if (!_services.Contains(request.Service)) throw new GrpcStatusException(GrpcStatusCode.NotFound, $"unknown service {request.Service}");
        return new HealthCheckResponse
        {
            Status = _ready() ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing,
        };
    }
}
