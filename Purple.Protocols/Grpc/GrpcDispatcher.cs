using Purple.Core.Execution;
using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Purple.Protocols.Metrics;
using Purple.Protocols.Security;

namespace Purple.Protocols.Grpc;

/// <summary>
/// Serves unary gRPC calls on Kestrel's HTTP/2 (our own framing: grpc-dotnet is not available here). A call
/// is one request message in, one response message out, then the grpc-status trailer; a call that fails
/// before a response is a trailers-only response. Each call is its own stream, so a malformed one never
/// harms the connection's others.
/// </summary>
public sealed class GrpcDispatcher
{
    /// <summary>gRPC's default maximum receive size.</summary>
    public const long DefaultMaxMessageSize = 4 * 1024 * 1024;

    private readonly GrpcMethodTable _methods;
    private readonly ILogger _logger;
    private readonly long _maxMessageSize;
    private readonly ProtocolMetrics _metrics;

    private readonly PasswordGuard _auth;

    private readonly IDurabilityBarrier? _durability;

    public GrpcDispatcher(GrpcMethodTable methods, ILogger logger, long maxMessageSize = DefaultMaxMessageSize, ProtocolMetrics? metrics = null,
        PasswordGuard? auth = null, IDurabilityBarrier? durability = null)
    {
        _durability = durability;
        _auth = auth ?? PasswordGuard.None;
        _methods = methods;
        _logger = logger;
        _maxMessageSize = maxMessageSize;
        _metrics = metrics ?? new ProtocolMetrics("grpc", 128);
    }

    /// <summary>Serves one call and records it under its method path (unknown paths share one name, so clients cannot grow the series).</summary>
    public async Task HandleAsync(HttpContext context)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        string path = context.Request.Path.Value ?? "";
        var method = _methods.Find(path);
        try
        {
            await ServeAsync(context, method).ConfigureAwait(false);
        }
        finally
        {
            _metrics.Commands.Record(_metrics.Commands.SlotFor(method is null ? "unknown" : path[1..]), start);
        }
    }

    private async Task ServeAsync(HttpContext context, IGrpcMethod? method)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        if (request.ContentType is not { } contentType || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            // PROTOCOL-HTTP2.md: a request that is not gRPC gets HTTP 415.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        response.ContentType = "application/grpc";
        if (method is null)
        {
            Finish(context, GrpcStatusCode.Unimplemented, $"unknown method {request.Path.Value}", trailersOnly: true);
            return;
        }
        if (_auth.Required && !request.Path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal)
            && !_auth.VerifyBearer(request.Headers.Authorization.ToString()))
        {
            // Health stays open so probes work without the password; everything else needs it.
            _metrics.Rejected(RejectReason.Unauthenticated);
            Finish(context, GrpcStatusCode.Unauthenticated, "missing or wrong password: send the metadata authorization: Bearer <password>", trailersOnly: true);
            return;
        }
        if (request.Headers.TryGetValue("grpc-encoding", out var encoding) && encoding.ToString() is { Length: > 0 } e && e != "identity")
        {
            response.Headers["grpc-accept-encoding"] = "identity";
            Finish(context, GrpcStatusCode.Unimplemented, $"grpc-encoding {e} is not supported; send identity", trailersOnly: true);
            return;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        long expiresAt = long.MaxValue;
        if (request.Headers.TryGetValue("grpc-timeout", out var timeoutHeader))
        {
            if (!GrpcFraming.TryParseTimeout(timeoutHeader.ToString(), out var timeout))
            {
                Finish(context, GrpcStatusCode.InvalidArgument, "malformed grpc-timeout", trailersOnly: true);
                return;
            }
            // A timer cancels a read that waits past the deadline; the clock checks in the calls catch the rest
            // (a timer of 0 may fire after the call has already run).
            expiresAt = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
            if (timeout <= TimeSpan.Zero) expiresAt = 0;
            else deadline.CancelAfter(timeout);
        }
        await CallAsync(context, method, deadline, expiresAt).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one call of any shape and ends it with its status: in the trailers once a message has gone out,
    /// otherwise trailers-only. A client that leaves ends the call without a status; a bug costs this call only.
    /// </summary>
    private async Task CallAsync(HttpContext context, IGrpcMethod method, CancellationTokenSource deadline, long expiresAt)
    {
        var response = context.Response;
        try
        {
            bool replied = method switch
            {
                IGrpcServerStreamingMethod streaming => await ServerStreamAsync(context, streaming, deadline.Token).ConfigureAwait(false),
                IGrpcUnaryMethod { StreamsPerMessage: true } perMessage => await PerMessageAsync(context, perMessage, expiresAt, deadline.Token).ConfigureAwait(false),
                IGrpcUnaryMethod unary => await UnaryAsync(context, unary, expiresAt, deadline.Token).ConfigureAwait(false),
                _ => throw new InvalidOperationException($"unknown method shape {method.GetType().Name}"),
            };
            Finish(context, GrpcStatusCode.Ok, null, trailersOnly: !replied);
        }
        catch (GrpcStatusException ex)
        {
            if (ex.Rejection is { } reason) _metrics.Rejected(reason);
            Finish(context, ex.Code, ex.Message, trailersOnly: !response.HasStarted);
        }
        catch (StorageException ex)
        {
            var code = ex is StorageNotSupportedException ? GrpcStatusCode.Unimplemented : GrpcStatusCode.Unavailable;
            Finish(context, code, ex.Message, trailersOnly: !response.HasStarted);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested
                                                 && (deadline.IsCancellationRequested || Environment.TickCount64 >= expiresAt))
        {
            Finish(context, GrpcStatusCode.DeadlineExceeded, "deadline exceeded", trailersOnly: !response.HasStarted);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "gRPC call {Path} failed", context.Request.Path.Value);
            Finish(context, GrpcStatusCode.Internal, "internal error", trailersOnly: !response.HasStarted);
        }
    }

    /// <summary>One request message in, one response out (written, not flushed: the OK trailer follows it).</summary>
    private async Task<bool> UnaryAsync(HttpContext context, IGrpcUnaryMethod method, long expiresAt, CancellationToken deadline)
    {
        var payload = await ReadSingleMessageAsync(context.Request.BodyReader, deadline).ConfigureAwait(false);
        // A timer of 0 may fire after the call has run: the clock decides.
        if (Environment.TickCount64 >= expiresAt) throw new OperationCanceledException(deadline);
        var reply = method.Invoke(payload, deadline);
        // With durable storage the reply waits until the journal has the write it reports (docs/storage.md).
        await _durability.WhenSafeAsync(deadline).ConfigureAwait(false);
        Write(context.Response, reply);
        return true;
    }

    /// <summary>
    /// A bidirectional stream answered message by message: each response is flushed before the next request is
    /// read, so a client that waits for an answer before asking again (as reflection clients do) is served.
    /// </summary>
    private async Task<bool> PerMessageAsync(HttpContext context, IGrpcUnaryMethod method, long expiresAt, CancellationToken deadline)
    {
        bool replied = false;
        while (await ReadNextMessageAsync(context.Request.BodyReader, deadline).ConfigureAwait(false) is { } payload)
        {
            if (Environment.TickCount64 >= expiresAt) throw new OperationCanceledException(deadline);
            var reply = method.Invoke(payload, deadline);
            await _durability.WhenSafeAsync(deadline).ConfigureAwait(false);
            Write(context.Response, reply);
            await context.Response.BodyWriter.FlushAsync(deadline).ConfigureAwait(false);
            replied = true;
        }
        return replied;
    }

    /// <summary>One request message, then each response as the handler yields it, flushed at once.</summary>
    private async Task<bool> ServerStreamAsync(HttpContext context, IGrpcServerStreamingMethod method, CancellationToken deadline)
    {
        var request = await ReadSingleMessageAsync(context.Request.BodyReader, deadline).ConfigureAwait(false);
        bool replied = false;
        await foreach (var reply in method.Stream(request, deadline).ConfigureAwait(false))
        {
            Write(context.Response, reply);
            await context.Response.BodyWriter.FlushAsync(deadline).ConfigureAwait(false);
            replied = true;
        }
        return replied;
    }

    private static void Write(HttpResponse response, IMessage reply) =>
        GrpcFraming.Write(response.BodyWriter, reply.CalculateSize(), span => reply.WriteTo(span));

    /// <summary>The next message of a stream (copied out of the request's buffers), or null at its clean end.</summary>
    private async Task<ReadOnlySequence<byte>?> ReadNextMessageAsync(PipeReader body, CancellationToken cancellation)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = read.Buffer;
            var status = GrpcFraming.TryRead(buffer, _maxMessageSize, out bool compressed, out var payload, out var consumed);
            if (status == GrpcFrameStatus.TooLarge)
            {
                body.AdvanceTo(buffer.End);
                throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"message larger than max ({_maxMessageSize} bytes)") { Rejection = RejectReason.TooLarge };
            }
            if (status == GrpcFrameStatus.Complete)
            {
                if (compressed)
                {
                    body.AdvanceTo(buffer.End);
                    throw new GrpcStatusException(GrpcStatusCode.Internal, "compressed flag set but no grpc-encoding negotiated");
                }
                var copy = new ReadOnlySequence<byte>(payload.ToArray());
                body.AdvanceTo(consumed);
                return copy;
            }
            if (read.IsCompleted)
            {
                body.AdvanceTo(buffer.End);
                if (buffer.Length == 0) return null;
                throw new GrpcStatusException(GrpcStatusCode.Internal, "truncated message frame");
            }
            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads the one request message of a unary call; anything else is a protocol error for this call only.</summary>
    private async Task<ReadOnlySequence<byte>> ReadSingleMessageAsync(PipeReader body, CancellationToken cancellation)
    {
        // Read on to the end of the request stream, so a second message (not allowed in a unary call) is seen.
        var message = await ReadNextMessageAsync(body, cancellation).ConfigureAwait(false);
        if (message is null || await ReadNextMessageAsync(body, cancellation).ConfigureAwait(false) is not null)
            throw new GrpcStatusException(GrpcStatusCode.Unimplemented, "a unary call takes exactly one request message");
        return message.Value;
    }

    private static void Finish(HttpContext context, GrpcStatusCode code, string? message, bool trailersOnly)
    {
        var response = context.Response;
        string status = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (trailersOnly || !response.SupportsTrailers())
        {
            // Trailers-only: the status travels in the one HEADERS frame that ends the stream.
            response.Headers["grpc-status"] = status;
            if (message is not null) response.Headers["grpc-message"] = GrpcFraming.EncodeMessage(message);
            return;
        }
        response.AppendTrailer("grpc-status", status);
        if (message is not null) response.AppendTrailer("grpc-message", GrpcFraming.EncodeMessage(message));
    }
}
