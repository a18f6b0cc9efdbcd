namespace Purple.Client;

/// <summary>A call failed: <see cref="StatusCode"/> is the gRPC status (DESIGN §7 maps Purple's errors to them).</summary>
public class PurpleException : Exception
{
    public PurpleException() { }

    public PurpleException(string message) : base(message) { }

    public PurpleException(string message, Exception innerException) : base(message, innerException) { }

    public PurpleException(int statusCode, string message, Exception? innerException = null) : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The gRPC status code (5 NOT_FOUND, 9 FAILED_PRECONDITION, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE…).</summary>
    public int StatusCode { get; } = 2;

    internal static PurpleException For(int status, string message) => status switch
    {
        3 => new PurpleInvalidArgumentException(message),
        4 => new PurpleDeadlineExceededException(message),
        5 => new PurpleNotFoundException(message),
        8 => new PurpleOutOfMemoryException(message),
        9 => new PurpleWrongTypeException(message),
        14 => new PurpleUnavailableException(message),
        16 => new PurpleUnauthenticatedException(message),
        _ => new PurpleException(status, message),
    };
}

/// <summary>The key does not exist (a KV read, a delete through the typed API never throws this).</summary>
public sealed class PurpleNotFoundException(string message) : PurpleException(5, message);

/// <summary>The node requires a password and none, or a wrong one, was given (<see cref="PurpleClientOptions.Password"/>).</summary>
public sealed class PurpleUnauthenticatedException(string message) : PurpleException(16, message);

/// <summary>The key holds another type, or a counter or flag holds something that is not one (FAILED_PRECONDITION).</summary>
public sealed class PurpleWrongTypeException(string message) : PurpleException(9, message);

/// <summary>The node is out of memory and cannot evict (RESOURCE_EXHAUSTED).</summary>
public sealed class PurpleOutOfMemoryException(string message) : PurpleException(8, message);

/// <summary>The request was invalid (an empty key, a database out of range, a negative TTL…).</summary>
public sealed class PurpleInvalidArgumentException(string message) : PurpleException(3, message);

/// <summary>The call's deadline passed before it completed.</summary>
public sealed class PurpleDeadlineExceededException(string message) : PurpleException(4, message);

/// <summary>The node could not be reached or the connection failed.</summary>
public sealed class PurpleUnavailableException : PurpleException
{
    public PurpleUnavailableException(string message, Exception? inner = null) : base(14, message, inner) { }
}
