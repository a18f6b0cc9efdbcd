using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Purple.Core.Execution;
using Purple.Protocols.Metrics;

namespace Purple.Protocols.Memcached;

/// <summary>
/// The memcached listener's Kestrel connection handler: decodes every whole request that has arrived, runs
/// them in order and flushes once per read. Data blocks are copied out as they arrive and long get lines are
/// served in pieces, so a connection never needs more buffered input than one line limit.
/// </summary>
public sealed class MemcachedConnectionHandler : ConnectionHandler
{
    private readonly MemcachedServerContext _server;
    private readonly ILogger<MemcachedConnectionHandler> _logger;

    public MemcachedConnectionHandler(MemcachedServerContext server, ILogger<MemcachedConnectionHandler> logger)
    {
        _server = server;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var writer = new MemcachedWriter(output);
        var session = new MemcachedSession(_server, writer);
        var decoder = new MemcachedDecoder(_server.Limits);
        var request = new MemcachedRequest();
        var activity = connection.Features.Get<ConnectionActivity>();
        _server.Connected();
        try
        {
            while (!session.Closing)
            {
                ReadResult read = await input.ReadAsync().ConfigureAwait(false);
                activity?.Read();
                ReadOnlySequence<byte> buffer = read.Buffer;
                SequencePosition consumed = ProcessBatch(session, decoder, request, buffer, output, connection.ConnectionId, out bool outputFull);
                session.CountBytes(buffer.Slice(0, consumed).Length);
                // With output to send first, examine only what ran, so the next read returns the rest at once.
                if (outputFull) input.AdvanceTo(consumed);
                else input.AdvanceTo(consumed, buffer.End);
                if (output.UnflushedBytes > 0)
                {
                    // The replies wait for the journal here (see ConnectionActivity.FlushAsync).
                    await _server.Durability.WhenSafeAsync().ConfigureAwait(false);
                    if (!await ConnectionActivity.FlushAsync(output, activity).ConfigureAwait(false)) break;
                }
                if (read.IsCompleted || read.IsCanceled) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ConnectionResetException)
        {
        }
        catch (Purple.Core.Execution.StorageUnavailableException ex)
        {
            // Replies are dropped with the connection: none of them may claim a write the journal did not keep. Abort,
            // not return: returning completes the output pipe, which would still send the replies already buffered.
            _logger.LogWarning("Closing connection {ConnectionId} unanswered: {Reason}", connection.ConnectionId, ex.Message);
            connection.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("the journal cannot write: " + ex.Message));
        }
        catch (IOException)
        {
        }
        catch (Exception ex)
        {
            // A bug must cost this connection, never the process; the message never carries values.
            _logger.LogError(ex, "memcached connection {ConnectionId} failed", connection.ConnectionId);
        }
        finally
        {
            _server.Disconnected();
            session.CountBytes(0);
            session.Close();
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private SequencePosition ProcessBatch(MemcachedSession session, MemcachedDecoder decoder, MemcachedRequest request,
        ReadOnlySequence<byte> buffer, PipeWriter output, string connectionId, out bool outputFull)
    {
        outputFull = false;
        SequencePosition consumed = buffer.Start;
        session.CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!session.Closing)
        {
            var status = decoder.Decode(buffer.Slice(consumed), request, out SequencePosition next);
            consumed = next;
            if (status == MemcachedDecodeStatus.Incomplete) break;
            if (status == MemcachedDecodeStatus.Close)
            {
                if (request.Error is not null) session.Writer.Line(request.Error);
                _server.Metrics.Rejected(RejectReason.ProtocolError);
                session.CloseAfterFlush();
                _logger.LogInformation("Closing memcached connection {ConnectionId}: {Reason}", connectionId,
                    request.Error ?? "an HTTP request on the memcached port");
                return buffer.End;
            }
            session.Execute(request);
            if (output.UnflushedBytes >= ConnectionActivity.OutputChunkBytes)
            {
                outputFull = true;
                break;
            }
        }
        return consumed;
    }
}
