using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Purple.Core.Execution;
using Purple.Protocols.Metrics;

namespace Purple.Protocols.Resp;

/// <summary>
/// The RESP listener's Kestrel connection handler: parses every whole request in what has arrived,
/// runs them in order, and flushes once per read — so a pipeline of N commands costs one write.
/// A protocol error is answered with Redis's error and the connection is closed, as Redis does.
/// </summary>
public sealed class RespConnectionHandler : ConnectionHandler
{
    /// <summary>
    /// What the transport may buffer per connection before it stops reading the socket (its
    /// MaxReadBufferSize). Unbounded, a client pipelining faster than commands execute (redis-cli --pipe)
    /// parks its whole stream in pinned pool blocks: ~100 MB of extra RSS for a 1M-key load, measured.
    /// </summary>
    public const long TransportReadBufferBytes = 1 << 20;

    /// <summary>
    /// An incomplete frame this large moves to a <see cref="RespSpillBuffer"/>. It must stay below the pipe's
    /// resume threshold (half of <see cref="TransportReadBufferBytes"/>), or a paused transport would wait
    /// for a reader that waits for the rest of the frame.
    /// </summary>
    private const long SpillThreshold = TransportReadBufferBytes / 4;

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
        var spill = new RespSpillBuffer();
        var activity = connection.Features.Get<ConnectionActivity>();
        try
        {
            while (!session.Closing)
            {
                // No cancellation token: registering one per read costs more than it buys; closing the
                // connection (peer, CLIENT KILL or shutdown) completes the pending read anyway.
                ReadResult read = await input.ReadAsync().ConfigureAwait(false);
                activity?.Read();
                ReadOnlySequence<byte> buffer = read.Buffer;
                if (spill.IsEmpty)
                {
                    SequencePosition consumed = ProcessBatch(session, buffer, args, writer, output, out bool outputFull);
                    ReadOnlySequence<byte> rest = buffer.Slice(consumed);
                    if (outputFull)
                    {
                        // Commands remain in the buffer: examine only what ran, so the next read returns at once.
                        input.AdvanceTo(consumed);
                    }
                    else if (rest.Length < SpillThreshold)
                    {
                        input.AdvanceTo(consumed, buffer.End);
                    }
                    else
                    {
                        bool kept = Spill(spill, rest, session);
                        input.AdvanceTo(buffer.End);
                        if (!kept) break;
                    }
                }
                else
                {
                    // Once spilling, every byte goes through the spill buffer until the parser has drained it,
                    // since the bytes in the pipe continue the frame held there.
                    bool kept = Spill(spill, buffer, session);
                    input.AdvanceTo(buffer.End);
                    if (!kept) break;
                    bool outputFull;
                    do
                    {
                        ReadOnlySequence<byte> pending = spill.Pending;
                        // Slice().Length, not GetOffset: on an array-backed sequence GetOffset is the array index.
                        spill.Consume(pending.Slice(0, ProcessBatch(session, pending, args, writer, output, out outputFull)).Length);
                        if (outputFull)
                        {
                            await _server.Durability.WhenSafeAsync().ConfigureAwait(false);
                            if (!await ConnectionActivity.FlushAsync(output, activity).ConfigureAwait(false)) return;
                        }
                    } while (outputFull);
                }
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
            // The peer went away or the server is stopping.
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
            _logger.LogError(ex, "RESP connection {ConnectionId} failed", connection.ConnectionId);
        }
        finally
        {
            spill.Release();
            session.Close();
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private bool Spill(RespSpillBuffer spill, ReadOnlySequence<byte> bytes, RespSession session)
    {
        if (spill.TryAppend(bytes)) return true;
        _server.Metrics.Rejected(RejectReason.TooLarge);
        // Redis closes such a client without a reply ("closing client that reached max query buffer length").
        _logger.LogInformation("Closing RESP connection {ClientId}: query buffer over {Limit} bytes", session.Id, RespSpillBuffer.MaxBytes);
        return false;
    }

    private SequencePosition ProcessBatch(RespSession session, ReadOnlySequence<byte> buffer, RespCommandArgs args, RespWriter writer,
        PipeWriter output, out bool outputFull)
    {
        outputFull = false;
        SequencePosition consumed = buffer.Start;
        session.LastInteractionTimestamp = _server.Time.GetTimestamp();
        session.CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();
        // Look-ahead over pipelined commands (RespKeyScanner) in the common case of a batch in one segment.
        ReadOnlySpan<byte> span = buffer.IsSingleSegment ? buffer.FirstSpan : default;
        bool lookAhead = !span.IsEmpty;
        if (session.LookAheadPause > 0)
        {
            session.LookAheadPause--;
            lookAhead = false;
        }
        int prefetchedTo = 0;
        while (!session.Closing)
        {
            if (lookAhead)
            {
                int at = (int)buffer.GetOffset(consumed);
                if (at >= prefetchedTo) lookAhead = PrefetchAhead(session, span, at, out prefetchedTo);
            }
            var status = RespRequestParser.TryParse(buffer.Slice(consumed), args, _server.Limits, out SequencePosition next, out string? error);
            if (status == RespParseStatus.Incomplete) break;
            if (status == RespParseStatus.Error)
            {
                writer.Error(error ?? "ERR Protocol error");
                session.Closing = true;
                _server.Metrics.Rejected(RejectReason.ProtocolError);
                _logger.LogInformation("Closing RESP connection {ClientId}: {ProtocolError}", session.Id, error);
                // Everything read is dropped with the connection.
                return buffer.End;
            }
            consumed = next;
            if (args.Count == 0) continue;
            session.Execute(args, writer);
            if (output.UnflushedBytes >= ConnectionActivity.OutputChunkBytes)
            {
                outputFull = true;
                break;
            }
        }
        return consumed;
    }

    /// <summary>Commands whose keys are fetched together; a pipeline's next window is looked at when its run reaches it.</summary>
    private const int PrefetchWindow = 16;

    /// <summary>
    /// Read batches a connection goes without looking ahead once a look found one key over and over, and that key was not
    /// a set whose members could be fetched instead: the scan is then pure cost, ~0.2 µs per pipelined INCR of one
    /// counter (docs/performance.md).
    /// </summary>
    private const int LookAheadPauseBatches = 64;

    /// <summary>
    /// Asks the store to fetch the keys of the next commands together: walked one by one, each key's lookup is a chain of
    /// cache misses paid in turn. A window on one key that holds a set (SADD or SISMEMBER pipelined to one set) fetches
    /// the members' lookups in that set instead. False when fewer than two were found (an unpipelined request, or a frame
    /// the scanner does not read): the rest of this batch goes without; or when all were one key and it did not hold a
    /// set: the next <see cref="LookAheadPauseBatches"/> batches go without too.
    /// </summary>
    private static bool PrefetchAhead(RespSession session, ReadOnlySpan<byte> span, int at, out int prefetchedTo)
    {
        Span<Range> keys = stackalloc Range[PrefetchWindow];
        Span<Range> arguments = stackalloc Range[PrefetchWindow];
        int found = RespKeyScanner.FindKeys(span, at, keys, arguments, out prefetchedTo);
        // Not a reason to pause: a read often ends inside a pipeline, leaving one whole command for the next batch.
        if (found < 2) return false;
        int distinct = 1;
        for (int i = 1; i < found; i++)
        {
            if (!span[keys[i]].SequenceEqual(span[keys[distinct - 1]])) keys[distinct++] = keys[i];
        }
        if (distinct < 2)
        {
            // One key: its own lookup stays cached, but a set's members are as scattered as keys.
            int members = 0;
            for (int i = 0; i < found; i++)
            {
                // An empty range at 0 is a command without a third argument (a real one never starts at the '*').
                if (arguments[i].End.Value > 0) arguments[members++] = arguments[i];
            }
            if (members >= 2 && session.Store.PrefetchMembers(session.Db, span[keys[0]], span, arguments[..members])) return true;
            session.LookAheadPause = LookAheadPauseBatches;
            return false;
        }
        session.Store.PrefetchKeys(session.Db, span, keys[..distinct]);
        return true;
    }
}
