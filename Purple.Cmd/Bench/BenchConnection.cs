using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Purple.Cmd.Common;
using System.Runtime.CompilerServices;

namespace Purple.Cmd.Bench;

/// <summary>
/// One benchmark client: a raw socket that writes a pipeline of requests at once, then reads until every reply
/// of that batch is in, judging each (<see cref="BenchOperation.Accepts"/>) and recording its latency from the send
/// to the read that brought it, as redis-benchmark measures. No allocation per request. Driven either by
/// <see cref="BenchEventLoop"/> (non-blocking <see cref="Write"/> and <see cref="Read"/>) or by <see cref="RunAsync"/>.
/// The per-request methods here and in the scanner, histogram, work counter and event loop are AggressiveOptimization: a run
/// lasts seconds, and under tiered JIT (tier 0, then PGO instrumentation) the client would spend a good part of
/// it in slow code of its own and measure that: measured at -P 16 on 2 cores, 0.6-0.8 M GET/s with tiering against
/// 1.0-1.2 M without it (p99 6 ms against 2-4 ms). The process keeps purple-node's runtime settings for `serve`.
/// </summary>
internal sealed class BenchConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Random _random = new();
    private byte[] _receive = new byte[64 * 1024];
    private int _start;
    private int _end;
    private byte[] _send = [];
    private int[] _placeholders = [];
    private int _requestLength;
    private int _sendLength;
    private int _batch;
    private int _written;
    private long _sentAt;

    private BenchConnection(Socket socket) => _socket = socket;

    public LatencyHistogram Latency { get; } = new();

    public long Errors { get; private set; }

    /// <summary>The first wrong reply, for the message (an error's text, or what kind of reply came instead).</summary>
    public string? FirstError { get; private set; }

    /// <summary>
    /// Connects and sends AUTH/SELECT with blocking calls, on the caller's thread, giving up at <paramref name="deadline"/>
    /// (a timestamp) or when <paramref name="abort"/> fires (which closes the socket: a blocking connect has no timeout of
    /// its own). Blocking on purpose: a socket that never made an asynchronous call is not registered with .NET's
    /// socket engine, whose thread would otherwise wake for every reply the event loop reads itself.
    /// </summary>
    public static BenchConnection Connect(EndPoint endPoint, int db, string? password, long deadline, CancellationToken abort)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new BenchConnection(socket);
        try
        {
            using (abort.Register(socket.Dispose))
            {
                socket.Connect(endPoint);
                if (password is not null) connection.ExpectOk("AUTH", ["AUTH", password], deadline);
                if (db != 0) connection.ExpectOk($"SELECT {db}", ["SELECT", db.ToString(System.Globalization.CultureInfo.InvariantCulture)], deadline);
            }
            abort.ThrowIfCancellationRequested();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The socket's descriptor, for <see cref="BenchEventLoop"/>.</summary>
    public int Descriptor => (int)_socket.SafeHandle.DangerousGetHandle();

    /// <summary>For the event loop: every later call returns at once, with WouldBlock when it would have waited.</summary>
    public void MakeNonBlocking() => _socket.Blocking = false;

    /// <summary>Requests of the batch in flight not answered yet.</summary>
    public int Pending { get; private set; }

    /// <summary>Lays out one batch of requests for <paramref name="operation"/>; only the key numbers change from batch to batch.</summary>
    public void Prepare(BenchOperation operation, int pipeline)
    {
        (var template, _placeholders) = operation.Template();
        _requestLength = template.Length;
        _send = new byte[template.Length * pipeline];
        for (int at = 0; at < _send.Length; at += template.Length) template.CopyTo(_send, at);
    }

    /// <summary>Claims the next batch from <paramref name="work"/> and fills in its keys; false when the test is over.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool NextBatch(BenchWork work, long keyspace)
    {
        int batch = work.Claim();
        if (batch == 0) return false;
        if (keyspace > 0) RandomizeKeys(_send, _requestLength, _placeholders, batch, _random, keyspace);
        _batch = batch;
        Pending = batch;
        _sendLength = batch * _requestLength;
        _written = 0;
        return true;
    }

    /// <summary>The batch is answered: counts it done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Complete(BenchWork work) => work.Done(_batch);

    /// <summary>Non-blocking: writes what the socket takes of the batch; true when all of it is written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Write()
    {
        // Latency runs from the first write of a batch, as redis-benchmark stamps it in its write handler.
        if (_written == 0) _sentAt = Stopwatch.GetTimestamp();
        int sent = _socket.Send(_send.AsSpan(_written, _sendLength - _written), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock) return false;
        if (error != SocketError.Success) throw new SocketException((int)error);
        _written += sent;
        return _written == _sendLength;
    }

    /// <summary>Non-blocking: one read, and the replies it completed judged; true when the whole batch is answered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Read(BenchOperation operation)
    {
        int read = _socket.Receive(FreeSpace().Span, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock) return false;
        if (error != SocketError.Success) throw new SocketException((int)error);
        if (read == 0) throw Closed();
        _end += read;
        Pending -= Judge(operation, Pending, Stopwatch.GetTimestamp() - _sentAt);
        return Pending == 0;
    }

    /// <summary>
    /// The portable driver (no epoll): sends each batch as soon as the last one is answered, from socket
    /// continuations. See <see cref="BenchEventLoop"/> for why Linux uses an event loop instead.
    /// </summary>
    public async Task RunAsync(BenchOperation operation, BenchWork work, long keyspace, CancellationToken cancellation)
    {
        while (NextBatch(work, keyspace))
        {
            _sentAt = Stopwatch.GetTimestamp();
            await SendAsync(_send.AsMemory(0, _sendLength), cancellation).ConfigureAwait(false);
            while (Pending > 0)
            {
                int read = await _socket.ReceiveAsync(FreeSpace(), SocketFlags.None, cancellation).ConfigureAwait(false);
                if (read == 0) throw Closed();
                _end += read;
                Pending -= Judge(operation, Pending, Stopwatch.GetTimestamp() - _sentAt);
            }
            Complete(work);
        }
    }

    private static BenchFailure Closed() => new(ExitCodes.Unavailable, "the node closed the connection during the run");

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
    private void ExpectOk(string what, string[] command, long deadline)
    {
        var frame = new StringBuilder().Append('*').Append(command.Length).Append("\r\n");
        foreach (var part in command) frame.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        var data = Encoding.UTF8.GetBytes(frame.ToString()).AsSpan();
        while (!data.IsEmpty)
        {
            SetTimeouts(deadline);
            data = data[_socket.Send(data)..];
        }
        while (true)
        {
            SetTimeouts(deadline);
            int read = _socket.Receive(FreeSpace().Span);
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

    /// <summary>Blocking calls give up at the deadline (a socket timeout of 0 would mean never).</summary>
    private void SetTimeouts(long deadline)
    {
        int left = (int)Math.Clamp(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline).TotalMilliseconds, 1, int.MaxValue);
        _socket.SendTimeout = left;
        _socket.ReceiveTimeout = left;
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
