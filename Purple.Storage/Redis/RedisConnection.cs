using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

/// <summary>
/// One TCP connection to Redis, shared by many callers: commands are written in order under a lock (pipelining) and
/// their replies matched in the same order by a dedicated reader thread. Callers block until their replies arrive or
/// the timeout passes — the thread pool is never needed to complete a call, so blocked callers cannot starve it into a
/// deadlock. Any failure (timeout, reset, a reply out of step) breaks the connection: every waiting call fails with
/// <see cref="StorageUnavailableException"/> and the owner opens a new one.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Lock _write = new();
    private readonly ConcurrentQueue<PendingReply> _pending = new();
    private readonly ArrayBufferWriter<byte> _out = new(4096);
    private readonly Thread _reader;
    private readonly string _name;
    private volatile string? _broken;
    private int _db;

    private RedisConnection(Socket socket, string name)
    {
        _socket = socket;
        _name = name;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "purple-redis-reader" };
        _reader.Start();
    }

    public bool IsBroken => _broken is not null;

    /// <summary>Connects, authenticates and checks the server answers; throws <see cref="StorageUnavailableException"/> when it cannot.</summary>
    public static RedisConnection Open(RedisEndpoint endpoint, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = (int)timeout.TotalMilliseconds };
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            socket.ConnectAsync(endpoint.Host, endpoint.Port, cts.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw new StorageUnavailableException($"redis {endpoint} is unreachable: {(ex is OperationCanceledException ? "connect timed out" : ex.Message)}");
        }
        var connection = new RedisConnection(socket, endpoint.ToString());
        try
        {
            if (endpoint.Password is { } password)
            {
                var auth = endpoint.User is { } user
                    ? connection.Send(0, [["AUTH", user, password]], timeout)[0]
                    : connection.Send(0, [["AUTH", password]], timeout)[0];
                if (auth.IsError) throw new StorageUnavailableException($"redis {endpoint} refused the password: {auth.Text}");
            }
            var pong = connection.Send(0, [["PING"]], timeout)[0];
            if (pong.IsError) throw new StorageUnavailableException($"redis {endpoint} answered PING with {pong.Text}");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return connection;
    }

    /// <summary>Sends the commands as one pipeline on database <paramref name="db"/> and returns their replies in order.</summary>
    public RedisReply[] Send(int db, IReadOnlyList<IReadOnlyList<object>> commands, TimeSpan timeout)
    {
        var waiters = new PendingReply[commands.Count];
        PendingReply? select = null;
        lock (_write)
        {
            if (_broken is { } reason) throw new StorageUnavailableException(reason);
            _out.ResetWrittenCount();
            if (db != _db)
            {
                RedisCommandWriter.Write(_out, ["SELECT", db]);
                _pending.Enqueue(select = new PendingReply());
                _db = db;
            }
            for (int i = 0; i < commands.Count; i++)
            {
                RedisCommandWriter.Write(_out, commands[i]);
                _pending.Enqueue(waiters[i] = new PendingReply());
            }
            try
            {
                var bytes = _out.WrittenSpan;
                while (!bytes.IsEmpty) bytes = bytes[_socket.Send(bytes)..];
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Break($"redis {_name}: {ex.Message}");
            }
        }
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        if (select is not null)
        {
            var selected = Await(select, deadline);
            if (selected.IsError)
            {
                _db = -1;
                throw new StorageUnavailableException($"redis {_name} refused SELECT {db}: {selected.Text}");
            }
        }
        var replies = new RedisReply[waiters.Length];
        for (int i = 0; i < waiters.Length; i++) replies[i] = Await(waiters[i], deadline);
        return replies;
    }

    private RedisReply Await(PendingReply waiter, long deadline)
    {
        int remaining = (int)Math.Max(0, deadline - Environment.TickCount64);
        if (!waiter.Done.Wait(remaining))
        {
            // Replies still owed would arrive out of step with the next callers: this connection is done.
            Break($"redis {_name} did not answer within the command timeout");
        }
        waiter.Done.Wait();
        waiter.Dispose();
        return waiter.Reply ?? throw new StorageUnavailableException(waiter.Failure ?? $"redis {_name}: connection lost");
    }

    private void ReadLoop()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        int start = 0, end = 0;
        try
        {
            while (_broken is null)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        // One reply larger than the buffer: grow it (the parser bounds a reply at 512 MB).
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }
                int read = _socket.Receive(buffer, end, buffer.Length - end, SocketFlags.None);
                if (read == 0)
                {
                    Break($"redis {_name} closed the connection");
                    return;
                }
                end += read;
                while (start < end)
                {
                    var status = RedisReplyParser.TryParse(new ReadOnlySequence<byte>(buffer, start, end - start), out var reply, out var consumed, out string? error);
                    if (status == RedisParseStatus.Incomplete) break;
                    if (status == RedisParseStatus.Error)
                    {
                        Break($"redis {_name} sent an unreadable reply ({error})");
                        return;
                    }
                    // On an array-backed sequence a position is the index in the array, not an offset from start.
                    start = consumed.GetInteger();
                    if (!_pending.TryDequeue(out var waiter))
                    {
                        Break($"redis {_name} sent a reply nobody asked for");
                        return;
                    }
                    waiter.Reply = reply;
                    waiter.Done.Set();
                }
                if (start == end) start = end = 0;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Break($"redis {_name}: {ex.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Break(string reason)
    {
        if (_broken is not null) return;
        _broken = reason;
        _socket.Dispose();
        lock (_write)
        {
            while (_pending.TryDequeue(out var waiter))
            {
                waiter.Failure = reason;
                waiter.Done.Set();
            }
        }
    }

    public void Dispose() => Break("connection closed");

    private sealed class PendingReply : IDisposable
    {
        public readonly ManualResetEventSlim Done = new(false);
        public RedisReply? Reply;
        public string? Failure;

        public void Dispose() => Done.Dispose();
    }
}
