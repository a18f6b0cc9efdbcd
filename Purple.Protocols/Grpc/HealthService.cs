using Purple.Protocols.Grpc.Health;

namespace Purple.Protocols.Grpc;

/// <summary>
/// grpc.health.v1.Health. Check: SERVING for the server ("") and each service it hosts, NOT_FOUND for others.
/// Watch (what gRPC's client-side health checking calls): the current status at once, then every change, on a
/// stream that stays open until the client leaves; an unknown service is SERVICE_UNKNOWN, not an error, as the
/// protocol says. The host calls <see cref="StatusChanged"/> when readiness changes (started, stopping).
/// </summary>
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

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Register(GrpcMethodTable methods) => methods
        .Add(Name, "Check", HealthCheckRequest.Parser, Check)
        .AddServerStreaming(Name, "Watch", HealthCheckRequest.Parser, WatchAsync);

    private volatile bool _stopping;

    /// <summary>
    /// The node is stopping: every Watch stream sends NOT_SERVING and ends (with OK), so open watches do not
    /// hold the shutdown for its whole timeout; clients reconnect to another node.
    /// </summary>
    public void Stopping()
    {
        _stopping = true;
        StatusChanged();
    }

    /// <summary>Wakes every Watch stream to send the new status.</summary>
    public void StatusChanged() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private HealthCheckResponse.Types.ServingStatus StatusOf(string service) =>
        !_services.Contains(service) ? HealthCheckResponse.Types.ServingStatus.ServiceUnknown
        : _ready() ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;

    private async IAsyncEnumerable<HealthCheckResponse> WatchAsync(HealthCheckRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        HealthCheckResponse.Types.ServingStatus? sent = null;
        // A deadline or a client leaving ends the stream by cancellation, which the dispatcher turns into
        // DEADLINE_EXCEEDED (or nothing, for a client gone): ending it cleanly here would send OK at the deadline.
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            // Take the signal before reading the status, so a change between the two is not missed.
            var changed = Volatile.Read(ref _changed).Task;
            var status = StatusOf(request.Service);
            if (status != sent)
            {
                sent = status;
                yield return new HealthCheckResponse { Status = status };
            }
            if (_stopping) yield break;
            await changed.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    private HealthCheckResponse Check(HealthCheckRequest request)
    {
        if (!_services.Contains(request.Service)) throw new GrpcStatusException(GrpcStatusCode.NotFound, $"unknown service {request.Service}");
        return new HealthCheckResponse
        {
            Status = _ready() ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing,
        };
    }
}
