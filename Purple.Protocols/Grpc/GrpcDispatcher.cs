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

    public GrpcDispatcher(GrpcMethodTable methods, ILogger logger, long maxMessageSize = DefaultMaxMessageSize, ProtocolMetrics? metrics = null,
        PasswordGuard? auth = null)
    {
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
        try
        {
            await ServeAsync(context).ConfigureAwait(false);
        }
        finally
        {
            string path = context.Request.Path.Value ?? "";
            _metrics.Commands.Record(_metrics.Commands.SlotFor(_methods.TryFind(path, out _) ? path[1..] : "unknown"), start);
        }
    }

    private async Task ServeAsync(HttpContext context)
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
        if (!_methods.TryFind(request.Path.Value ?? "", out var method))
        {
            Finish(context, GrpcStatusCode.Unimplemented, $"unknown method {request.Path.Value}", trailersOnly: true);
            return;
        }
        if (_auth.Required && !request.Path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal)
            && !_auth.VerifyBearer(request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null))
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
            // A timer cancels a read that waits past the deadline; the clock check below catches the rest
            // (a timer of 0 may fire after the call has already run).
            expiresAt = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
            if (timeout <= TimeSpan.Zero) expiresAt = 0;
            else deadline.CancelAfter(timeout);
        }
        if (method.StreamsPerMessage)
        {
            await ServeStreamAsync(context, method, deadline, expiresAt).ConfigureAwait(false);
            return;
        }
        if (method is IGrpcServerStreamingMethod streaming)
        {
            await ServeServerStreamAsync(context, streaming, deadline).ConfigureAwait(false);
            return;
        }
        IMessage reply;
        try
        {
            var payload = await ReadSingleMessageAsync(request.BodyReader, deadline.Token).ConfigureAwait(false);
            if (Environment.TickCount64 >= expiresAt) throw new OperationCanceledException(deadline.Token);
            reply = method.Invoke(payload, deadline.Token);
        }
        catch (GrpcStatusException ex)
        {
            if (ex.Rejection is { } reason) _metrics.Rejected(reason);
            Finish(context, ex.Code, ex.Message, trailersOnly: true);
            return;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested
                                                 && (deadline.IsCancellationRequested || Environment.TickCount64 >= expiresAt))
        {
            Finish(context, GrpcStatusCode.DeadlineExceeded, "deadline exceeded", trailersOnly: true);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "gRPC call {Path} failed", request.Path.Value);
            Finish(context, GrpcStatusCode.Internal, "internal error", trailersOnly: true);
            return;
        }
        int size = reply.CalculateSize();
        GrpcFraming.Write(response.BodyWriter, size, span => reply.WriteTo(span));
        Finish(context, GrpcStatusCode.Ok, null, trailersOnly: false);
    }

    /// <summary>
    /// A bidirectional stream answered message by message: each response is flushed before the next request is
    /// read, so a client that waits for an answer before asking again (as reflection clients do) is served.
    /// </summary>
    private async Task ServeStreamAsync(HttpContext context, IGrpcUnaryMethod method, CancellationTokenSource deadline, long expiresAt)
    {
        var response = context.Response;
        try
        {
            while (await ReadNextMessageAsync(context.Request.BodyReader, deadline.Token).ConfigureAwait(false) is { } payload)
            {
                if (Environment.TickCount64 >= expiresAt) throw new OperationCanceledException(deadline.Token);
                var reply = method.Invoke(payload, deadline.Token);
                GrpcFraming.Write(response.BodyWriter, reply.CalculateSize(), span => reply.WriteTo(span));
                await response.BodyWriter.FlushAsync(deadline.Token).ConfigureAwait(false);
            }
            Finish(context, GrpcStatusCode.Ok, null, trailersOnly: !response.HasStarted);
        }
        catch (GrpcStatusException ex)
        {
            if (ex.Rejection is { } reason) _metrics.Rejected(reason);
            Finish(context, ex.Code, ex.Message, trailersOnly: !response.HasStarted);
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
            _logger.LogError(ex, "gRPC stream {Path} failed", context.Request.Path.Value);
            Finish(context, GrpcStatusCode.Internal, "internal error", trailersOnly: !response.HasStarted);
        }
    }

    /// <summary>
    /// A server stream: the one request message, then each response as the handler yields it, flushed at once;
    /// OK when the handler ends. A client that leaves cancels the handler and ends the call without a status.
    /// </summary>
    private async Task ServeServerStreamAsync(HttpContext context, IGrpcServerStreamingMethod method, CancellationTokenSource deadline)
    {
        var response = context.Response;
        try
        {
            var request = await ReadSingleMessageAsync(context.Request.BodyReader, deadline.Token).ConfigureAwait(false);
            await foreach (var reply in method.Stream(request, deadline.Token).ConfigureAwait(false))
            {
                GrpcFraming.Write(response.BodyWriter, reply.CalculateSize(), span => reply.WriteTo(span));
                await response.BodyWriter.FlushAsync(deadline.Token).ConfigureAwait(false);
            }
            Finish(context, GrpcStatusCode.Ok, null, trailersOnly: !response.HasStarted);
        }
        catch (GrpcStatusException ex)
        {
            Finish(context, ex.Code, ex.Message, trailersOnly: !response.HasStarted);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            Finish(context, GrpcStatusCode.DeadlineExceeded, "deadline exceeded", trailersOnly: !response.HasStarted);
        }
        catch (OperationCanceledException)
        {
        }
    }

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
