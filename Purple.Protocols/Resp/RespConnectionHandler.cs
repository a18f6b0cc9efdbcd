using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Purple.Protocols.Resp;

/// <summary>
/// The RESP listener's Kestrel connection handler: parses every whole request in what has arrived,
/// runs them in order, and flushes once per read — so a pipeline of N commands costs one write.
/// A protocol error is answered with Redis's error and the connection is closed, as Redis does.
/// </summary>
public sealed class RespConnectionHandler : ConnectionHandler
{
    private readonly RespServerContext _server;
    private readonly ILogger<RespConnectionHandler> _logger;

    public RespConnectionHandler(RespServerContext server, ILogger<RespConnectionHandler> logger)
    {
        _server = server;
        _logger = logger;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var session = new RespSession(_server, connection.RemoteEndPoint, connection.LocalEndPoint, connection.Abort);
        var args = new RespCommandArgs();
        var writer = new RespWriter(output);
        try
        {
            while (!session.Closing)
            {
                // No cancellation token: registering one per read costs more than it buys; closing the
                // connection (peer, CLIENT KILL or shutdown) completes the pending read anyway.
                ReadResult read = await input.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                SequencePosition consumed = ProcessBatch(session, buffer, args, writer);
                input.AdvanceTo(consumed, buffer.End);
                if (output.UnflushedBytes > 0)
                {
                    FlushResult flushed = await output.FlushAsync().ConfigureAwait(false);
                    if (flushed.IsCompleted) break;
                }
                if (read.IsCompleted || read.IsCanceled) break;
            }
        }
        catch (OperationCanceledException)
        {
            // The peer went away or the server is stopping.
        }
        catch (ConnectionResetException)
        {
        }
        catch (IOException)
        {
        }
        catch (Exception ex)
        {
            // A bug must cost this connection, never the process; the message never carries values.
            _logger.LogError(ex, "RESP connection {ConnectionId} failed", connection.ConnectionId);
        }
        finally
        {
            session.Close();
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private SequencePosition ProcessBatch(RespSession session, ReadOnlySequence<byte> buffer, RespCommandArgs args, RespWriter writer)
    {
        SequencePosition consumed = buffer.Start;
        session.LastInteraction = _server.Time.GetUtcNow();
        while (!session.Closing)
        {
            var status = RespRequestParser.TryParse(buffer.Slice(consumed), args, _server.Limits, out SequencePosition next, out string? error);
            if (status == RespParseStatus.Incomplete) break;
            if (status == RespParseStatus.Error)
            {
                writer.Error(error ?? "ERR Protocol error");
                session.Closing = true;
                _logger.LogInformation("Closing RESP connection {ClientId}: {ProtocolError}", session.Id, error);
                // Everything read is dropped with the connection.
                return buffer.End;
            }
            consumed = next;
            if (args.Count == 0) continue;
            session.Execute(args, writer);
        }
        return consumed;
    }
}
