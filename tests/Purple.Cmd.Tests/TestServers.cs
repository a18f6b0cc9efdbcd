using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Purple.Cmd.Tests;

/// <summary>
/// A loopback TCP server on a free port that hands each connection to <paramref name="serve"/>: peers that
/// misbehave in the ways a CLI must survive (never answering, answering something that is not Purple).
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;

    private TestServer(Func<Socket, Task> serve)
    {
        _listener.Start();
        _accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_sockets) _sockets.Add(socket);
                    _ = serve(socket);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped.
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Accepts connections and never sends a byte.</summary>
    public static TestServer Silent() => new(_ => Task.CompletedTask);

    /// <summary>
    /// A RESP peer for one fixed-size request: answers each <paramref name="request"/> it reads with
    /// <paramref name="reply"/>, sent one byte per write a millisecond apart when <paramref name="byteByByte"/>.
    /// </summary>
    public static TestServer Answering(byte[] request, byte[] reply, bool byteByByte) => new(socket => AnswerAsync(socket, request, reply, byteByByte, int.MaxValue));

    /// <summary>As <see cref="Answering"/>, but closes each connection after answering <paramref name="requests"/> requests.</summary>
    public static TestServer ClosingAfter(byte[] request, byte[] reply, int requests) => new(async socket =>
    {
        await AnswerAsync(socket, request, reply, byteByByte: false, requests);
        socket.Dispose();
    });

    private static async Task AnswerAsync(Socket socket, byte[] request, byte[] reply, bool byteByByte, int limit)
    {
        try
        {
            socket.NoDelay = true; // each byte its own segment, not held back for the peer's ACK
            var buffer = new byte[64 * 1024];
            long received = 0;
            int answered = 0;
            while (answered < limit)
            {
                int n = await socket.ReceiveAsync(buffer);
                if (n == 0) return;
                received += n;
                for (; answered < limit && answered < received / request.Length; answered++)
                {
                    if (!byteByByte)
                    {
                        await socket.SendAsync(reply);
                        continue;
                    }
                    for (int i = 0; i < reply.Length; i++)
                    {
                        await socket.SendAsync(reply.AsMemory(i, 1));
                        await Task.Delay(1);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Answers every HTTP/1.1 request 200 with <paramref name="body"/>, then closes.</summary>
    public static TestServer Http(string body) => new(async socket =>
    {
        try
        {
            var buffer = new byte[4096];
            int read = 0;
            while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(read));
                if (n == 0) return;
                read += n;
            }
            await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
    });

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting;
        lock (_sockets)
        {
            foreach (var s in _sockets) s.Dispose();
        }
    }
}
