namespace Purple.Protocols.Grpc;

/// <summary>gRPC status codes (grpc/doc/statuscodes.md); the numbers are the wire values.</summary>
public enum GrpcStatusCode
{
    Ok = 0, Cancelled = 1, Unknown = 2, InvalidArgument = 3, DeadlineExceeded = 4, NotFound = 5, AlreadyExists = 6,
    PermissionDenied = 7, ResourceExhausted = 8, FailedPrecondition = 9, Aborted = 10, OutOfRange = 11,
    Unimplemented = 12, Internal = 13, Unavailable = 14, DataLoss = 15, Unauthenticated = 16,
}

/// <summary>Ends a call with a status other than OK; the message goes to the client as grpc-message.</summary>
public sealed class GrpcStatusException : Exception
{
    public GrpcStatusException(GrpcStatusCode code, string message) : base(message)
    {
        Code = code;
    }

    /// <summary>Set when the status refuses the request for a reason the metrics count (purple_rejected_total).</summary>
    public Metrics.RejectReason? Rejection { get; init; }

    public GrpcStatusException()
    {
    }

    public GrpcStatusException(string message) : base(message)
    {
    }

    public GrpcStatusException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public GrpcStatusCode Code { get; } = GrpcStatusCode.Unknown;
}
