using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Purple.Cmd.Common;
using System.Runtime.CompilerServices;

namespace Purple.Cmd.Bench;

/// <summary>
/// One benchmark client: a raw socket that writes a pipeline of requests in one send, then reads until every reply
/// of that batch is in, judging each (<see cref="BenchOperation.Accepts"/>) and recording its latency from the send
/// to the read that brought it, as redis-benchmark measures. No allocation per request.
/// The per-request methods here and in the scanner, histogram and work counter are AggressiveOptimization: a run
/// lasts seconds, and under tiered JIT (tier 0, then PGO instrumentation) the client would spend a good part of
/// it in slow code of its own and measure that: measured at -P 16 on 2 cores, 0.6-0.8 M GET/s with tiering against
/// 1.0-1.2 M without it (p99 6 ms against 2-4 ms). The process keeps purple-node's runtime settings for `serve`.
/// </summary>
internal sealed class BenchConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[] _receive = new byte[64 * 1024];
    private int _start;
    private int _end;

    private BenchConnection(Socket socket) => _socket = socket;

    public LatencyHistogram Latency { get; } = new();

    public long Errors { get; private set; }

    /// <summary>The first wrong reply, for the message (an error's text, or what kind of reply came instead).</summary>
    public string? FirstError { get; private set; }

    public static async Task<BenchConnection> ConnectAsync(EndPoint endPoint, int db, string? password, CancellationToken cancellation)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new BenchConnection(socket);
        try
        {
            await socket.ConnectAsync(endPoint, cancellation).ConfigureAwait(false);
            if (password is not null) await connection.ExpectOkAsync("AUTH", ["AUTH", password], cancellation).ConfigureAwait(false);
            if (db != 0) await connection.ExpectOkAsync($"SELECT {db}", ["SELECT", db.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellation).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public async Task RunAsync(BenchOperation operation, BenchWork work, int pipeline, long keyspace, CancellationToken cancellation)
    {
        // One batch of requests, laid out once; only the key numbers change from batch to batch.
        var (template, placeholders) = operation.Template();
        var send = new byte[template.Length * pipeline];
        for (int at = 0; at < send.Length; at += template.Length) template.CopyTo(send, at);
        var random = new Random();
        int batch;
        while ((batch = work.Claim()) > 0)
        {
            if (keyspace > 0) RandomizeKeys(send, template.Length, placeholders, batch, random, keyspace);
            long sent = Stopwatch.GetTimestamp();
            await SendAsync(send.AsMemory(0, batch * template.Length), cancellation).ConfigureAwait(false);
            int pending = batch;
            while (pending > 0)
            {
                int read = await _socket.ReceiveAsync(FreeSpace(), SocketFlags.None, cancellation).ConfigureAwait(false);
                if (read == 0) throw new BenchFailure(ExitCodes.Unavailable, "the node closed the connection during the run");
                _end += read;
                pending -= Judge(operation, pending, Stopwatch.GetTimestamp() - sent);
            }
            work.Done(batch);
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Reads the complete replies in the buffer, up to <paramref name="pending"/>; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Judge(BenchOperation operation, int pending, long latency)
    {
        int judged = 0;
        while (judged < pending)
        {
            var status = RespReplyScanner.TryScan(_receive.AsSpan(_start, _end - _start), out int consumed, out var kind, out var text, out long integer);
            if (status == RespReplyScanner.Status.Incomplete) break;
            if (status == RespReplyScanner.Status.Malformed) throw new BenchFailure(ExitCodes.Refused, "the node sent a reply that is not RESP");
            if (!operation.Accepts(kind, text, integer))
            {
                Errors++;
                FirstError ??= kind == ReplyKind.Error ? Encoding.UTF8.GetString(text) : $"a {kind.ToString().ToLowerInvariant()} reply to {operation.Name.ToUpperInvariant()}";
            }
            Latency.Record(latency);
            _start += consumed;
            judged++;
        }
        if (_start == _end) _start = _end = 0;
        return judged;
    }

    /// <summary>Room after the unread bytes: compacts them to the front, or doubles the buffer for a reply larger than it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Memory<byte> FreeSpace()
    {
        if (_end == _receive.Length)
        {
            if (_start > 0)
            {
                _receive.AsSpan(_start, _end - _start).CopyTo(_receive);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _receive, _receive.Length * 2);
            }
        }
        return _receive.AsMemory(_end);
    }

    private async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, cancellation).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>Sends one setup command (AUTH, SELECT) and requires +OK; <paramref name="what"/> names it in errors, never the password.</summary>
    private async Task ExpectOkAsync(string what, string[] command, CancellationToken cancellation)
    {
        var frame = new StringBuilder().Append('*').Append(command.Length).Append("\r\n");
        foreach (var part in command) frame.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        await SendAsync(Encoding.UTF8.GetBytes(frame.ToString()), cancellation).ConfigureAwait(false);
        while (true)
        {
            int read = await _socket.ReceiveAsync(FreeSpace(), SocketFlags.None, cancellation).ConfigureAwait(false);
            if (read == 0) throw new BenchFailure(ExitCodes.Unavailable, $"{what}: the node closed the connection");
            _end += read;
            var status = RespReplyScanner.TryScan(_receive.AsSpan(_start, _end - _start), out int consumed, out var kind, out var text, out _);
            if (status == RespReplyScanner.Status.Incomplete) continue;
            if (status == RespReplyScanner.Status.Complete && kind == ReplyKind.Simple && text.SequenceEqual("OK"u8))
            {
                _start = _end = 0;
                return;
            }
            string why = status == RespReplyScanner.Status.Complete && kind == ReplyKind.Error ? Encoding.UTF8.GetString(text) : "not +OK";
            throw new BenchFailure(ExitCodes.Refused, $"{what}: {why}");
        }
    }

    /// <summary>Gives each placeholder of the batch's first <paramref name="batch"/> requests a random key number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RandomizeKeys(byte[] send, int requestLength, int[] placeholders, int batch, Random random, long keyspace)
    {
        for (int i = 0; i < batch; i++)
        {
            foreach (int offset in placeholders) WriteKeyNumber(send, i * requestLength + offset, random.NextInt64(keyspace));
        }
    }

    /// <summary>Writes <paramref name="value"/> as 12 zero-padded digits, as redis-benchmark fills __rand_int__.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteKeyNumber(byte[] buffer, int offset, long value)
    {
        for (int i = offset + 11; i >= offset; i--)
        {
            buffer[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
