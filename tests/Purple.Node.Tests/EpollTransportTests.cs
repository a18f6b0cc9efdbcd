using System.Net;
using System.Net.Sockets;
using System.Text;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>
/// The epoll transport's own edges, over raw sockets: a reply larger than the socket's send buffer while the client
/// is not reading (the send waits for room), a request larger than the input limit (the receive pauses), half-close,
/// a client that resets mid-pipeline, more connections than the loop's first table, and the socket transport still
/// selectable. Every other host test runs over the epoll transport too, since it is the default on Linux.
/// </summary>
public sealed class EpollTransportTests
{
    private static NodeSettings Settings(NodeTransport transport = NodeTransport.Epoll, int ioThreads = 2) =>
        NodeFixture.Settings() with { Transport = transport, IoThreads = ioThreads };

    private static byte[] Command(params byte[][] parts)
    {
        var s = new MemoryStream();
        s.Write(Encoding.ASCII.GetBytes($"*{parts.Length}\r\n"));
        foreach (var p in parts)
        {
            s.Write(Encoding.ASCII.GetBytes($"${p.Length}\r\n"));
            s.Write(p);
            s.Write("\r\n"u8);
        }
        return s.ToArray();
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            if (n == 0) throw new EndOfStreamException($"closed after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket, CancellationToken ct)
    {
        var all = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0) all.Write(buffer, 0, n);
        return all.ToArray();
    }

    [Fact]
    public async Task A_value_larger_than_the_socket_buffers_goes_in_and_out_whole_while_the_client_reads_late()
    {
        await using var host = await NodeFixture.StartAsync(Settings());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // 6 MB: several times the input pipe's 1 MB pause threshold and loopback's send buffer.
        var value = new byte[6 << 20];
        new Random(7).NextBytes(value);
        using var socket = await ConnectAsync(host.RespEndPoint!);
        await socket.SendAsync(Command(Ascii("SET"), Ascii("big"), value), cts.Token);
        Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(await ReadExactlyAsync(socket, 5, cts.Token)));

        // Ask twice, then wait before reading: the server's sends meet a full socket and must wait for room.
        await socket.SendAsync(Command(Ascii("GET"), Ascii("big")).Concat(Command(Ascii("GET"), Ascii("big"))).ToArray(), cts.Token);
        await Task.Delay(300, cts.Token);
        byte[] header = Ascii($"${value.Length}\r\n");
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(header, await ReadExactlyAsync(socket, header.Length, cts.Token));
            byte[] reply = await ReadExactlyAsync(socket, value.Length, cts.Token);
            Assert.True(value.AsSpan().SequenceEqual(reply), $"reply {i} differs");
            Assert.Equal("\r\n"u8.ToArray(), await ReadExactlyAsync(socket, 2, cts.Token));
        }
    }

    [Fact]
    public async Task A_client_that_half_closes_after_its_requests_still_gets_every_reply_and_then_the_end()
    {
        await using var host = await NodeFixture.StartAsync(Settings());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = await ConnectAsync(host.RespEndPoint!);
        var batch = new MemoryStream();
        for (int i = 0; i < 500; i++) batch.Write(Command(Ascii("INCR"), Ascii("halfclose")));
        await socket.SendAsync(batch.ToArray(), cts.Token);
        socket.Shutdown(SocketShutdown.Send);
        string replies = Encoding.ASCII.GetString(await ReadToEndAsync(socket, cts.Token));
        Assert.Equal(string.Concat(Enumerable.Range(1, 500).Select(i => $":{i}\r\n")), replies);
    }

    [Fact]
    public async Task A_client_that_resets_mid_pipeline_costs_only_its_own_connection()
    {
        await using var host = await NodeFixture.StartAsync(Settings(ioThreads: 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var batch = new MemoryStream();
        for (int i = 0; i < 20_000; i++) batch.Write(Command(Ascii("SET"), Ascii($"reset:{i}"), Ascii("v")));
        for (int round = 0; round < 5; round++)
        {
            var socket = await ConnectAsync(host.RespEndPoint!);
            await socket.SendAsync(batch.ToArray(), cts.Token);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        await using var client = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await client.CommandAsync("PING")).ToString());
        // Every reset connection is gone from the server's count, so none leaked a descriptor or a loop entry.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string info = (await client.CommandAsync("INFO", "clients")).Text!;
        while (!info.Contains("connected_clients:1\r\n", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cts.Token);
            info = (await client.CommandAsync("INFO", "clients")).Text!;
        }
        Assert.Contains("connected_clients:1\r\n", info);
    }

    [Fact]
    public async Task Hundreds_of_connections_on_one_loop_are_each_answered()
    {
        await using var host = await NodeFixture.StartAsync(Settings(ioThreads: 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // More than the loop's first table of descriptors (256), so it must grow while connections are open.
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 600; i++) sockets.Add(await ConnectAsync(host.RespEndPoint!));
            await Task.WhenAll(sockets.Select((s, i) => s.SendAsync(Command(Ascii("SET"), Ascii($"many:{i}"), Ascii($"{i}")), cts.Token).AsTask()));
            foreach (var s in sockets) Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(await ReadExactlyAsync(s, 5, cts.Token)));
            for (int i = 0; i < sockets.Count; i += 37)
            {
                await sockets[i].SendAsync(Command(Ascii("GET"), Ascii($"many:{i}")), cts.Token);
                string expected = $"${i.ToString().Length}\r\n{i}\r\n";
                Assert.Equal(expected, Encoding.ASCII.GetString(await ReadExactlyAsync(sockets[i], expected.Length, cts.Token)));
            }
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }

    [Fact]
    public async Task Http_and_memcached_run_over_it_too()
    {
        await using var host = await NodeFixture.StartAsync(Settings());
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync($"http://{host.HttpEndPoint}/healthz")).StatusCode);
        using var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!);
        Assert.Equal("STORED", await mc.CallLineAsync("set epoll 0 0 2\r\nhi\r\n"));
    }

    [Fact]
    public async Task The_socket_transport_still_serves_when_chosen()
    {
        await using var host = await NodeFixture.StartAsync(Settings(NodeTransport.Sockets));
        await using var client = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        Assert.Equal("+PONG", (await client.CommandAsync("PING")).ToString());
    }

    /// <summary>Either transport, wrapped in the bound the host puts around it.</summary>
    private static (Microsoft.AspNetCore.Connections.IConnectionListenerFactory Bounded, IDisposable? Owned) BoundedTransport(string transport, int maxOpenSockets)
    {
        Microsoft.AspNetCore.Connections.IConnectionListenerFactory inner = transport == "epoll"
            ? new Purple.Node.Transport.EpollTransport(1, inline: true, 1 << 20, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)
            : new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportFactory(
                Microsoft.Extensions.Options.Options.Create(new Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions()),
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        return (new Purple.Node.Transport.BoundedListenerFactory(inner, maxOpenSockets), inner as IDisposable);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("sockets")]
    public async Task Past_its_bound_on_open_sockets_the_next_connection_waits_in_the_backlog_until_one_closes_or_the_listener_unbinds(string transportName)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (transport, owned) = BoundedTransport(transportName, maxOpenSockets: 2);
        using var disposeTransport = owned;
        var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), cts.Token);
        var clients = new List<Socket>();
        try
        {
            // The kernel completes all three handshakes; the transport takes only two sockets out of the backlog.
            for (int i = 0; i < 3; i++) clients.Add(await ConnectAsync((IPEndPoint)listener.EndPoint));
            var first = await listener.AcceptAsync(cts.Token);
            var second = await listener.AcceptAsync(cts.Token);
            Assert.NotNull(first);
            Assert.NotNull(second);
            var third = listener.AcceptAsync(cts.Token).AsTask();
            await Task.Delay(300, cts.Token);
            Assert.False(third.IsCompleted, "a third socket was accepted while two were open");

            // A refused connection's life: told, closed. Its descriptor freed, the waiting one is accepted.
            first!.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("refused"));
            await first.DisposeAsync();
            var accepted = await third.WaitAsync(cts.Token);
            Assert.NotNull(accepted);

            // Kestrel's unbind awaits its accept loop before closing connections: a wait for a free socket must end.
            var fourth = listener.AcceptAsync(cts.Token).AsTask();
            await Task.Delay(100, cts.Token);
            Assert.False(fourth.IsCompleted);
            await listener.UnbindAsync(cts.Token);
            Assert.Null(await fourth.WaitAsync(cts.Token));
            await second!.DisposeAsync();
            await accepted!.DisposeAsync();
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            await listener.UnbindAsync(cts.Token);
            await listener.DisposeAsync();
        }
    }
}
