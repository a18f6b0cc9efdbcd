using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Purple.Protocols.Resp;

namespace Purple.Node.Tests;

/// <summary>
/// A bare RESP client over a real TCP socket, for tests that must see exactly what the server sends.
/// Every read is bounded by a timeout so a server that stops answering fails the test instead of hanging it.
/// </summary>
internal sealed class RespTestClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient _tcp = new() { NoDelay = true };
    private NetworkStream _stream = null!;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public static async Task<RespTestClient> ConnectAsync(IPEndPoint endPoint)
    {
        var client = new RespTestClient();
        using var cts = new CancellationTokenSource(Timeout);
        await client._tcp.ConnectAsync(endPoint, cts.Token);
        client._stream = client._tcp.GetStream();
        return client;
    }

    public static byte[] Encode(params object[] args)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(output);
        writer.ArrayHeader(args.Length);
        foreach (var a in args)
        {
            if (a is byte[] bytes) writer.Bulk(bytes);
            else writer.BulkString(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!);
        }
        return output.WrittenSpan.ToArray();
    }

    public async Task SendAsync(byte[] raw)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(raw, cts.Token);
    }

    public Task SendAsync(string raw) => SendAsync(Encoding.UTF8.GetBytes(raw));

    public async Task<RespValue> CommandAsync(params object[] args)
    {
        await SendAsync(Encode(args));
        return await ReadAsync();
    }

    public async Task<RespValue> ReadAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            if (_end > _start)
            {
                var sequence = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
                var status = RespReplyReader.TryRead(sequence, out var value, out var consumed, out var error);
                if (status == RespParseStatus.Error) throw new InvalidDataException("bad reply from server: " + error);
                if (status == RespParseStatus.Complete)
                {
                    _start += (int)sequence.Slice(0, consumed).Length;
                    return value!;
                }
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cts.Token);
            if (read == 0) throw new EndOfStreamException("server closed the connection");
            _end += read;
        }
    }

    /// <summary>True when the server has closed the connection (reads return end of stream) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            var scratch = new byte[4096];
            while (true)
            {
                int read = await _stream.ReadAsync(scratch, cts.Token);
                if (read == 0) return true;
            }
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
