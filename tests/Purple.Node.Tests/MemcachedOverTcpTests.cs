using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Purple.Node.Tests;

/// <summary>The memcached listener of a real node over TCP, beside RESP on the same data.</summary>
public sealed class MemcachedOverTcpTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;

    public MemcachedOverTcpTests(NodeFixture node) => _node = node;

    [Fact]
    public async Task A_memcached_write_is_a_redis_string_and_the_other_way_round()
    {
        using var mc = await McClient.ConnectAsync(_node.Memcached);
        await using var resp = await _node.ConnectAsync();
        Assert.Equal("STORED", await mc.CallLineAsync("set tcp:mixed 42 0 5\r\nhello\r\n"));
        Assert.Equal("hello", (await resp.CommandAsync("GET", "tcp:mixed")).Text);
        await resp.CommandAsync("SET", "tcp:mixed", "world");
        Assert.Equal("VALUE tcp:mixed 0 5\r\nworld\r\nEND\r\n", await mc.CallUntilAsync("get tcp:mixed\r\n", "END\r\n"));
    }

    [Fact]
    public async Task A_value_larger_than_one_read_arrives_whole()
    {
        using var mc = await McClient.ConnectAsync(_node.Memcached);
        var value = new string('v', 1024 * 1024);
        Assert.Equal("STORED", await mc.CallLineAsync($"set tcp:big 0 0 {value.Length}\r\n{value}\r\n"));
        string reply = await mc.CallUntilAsync("get tcp:big\r\n", "END\r\n");
        Assert.Equal($"VALUE tcp:big 0 {value.Length}\r\n{value}\r\nEND\r\n", reply);
    }

    [Fact]
    public async Task A_client_that_stops_mid_value_costs_nobody_else()
    {
        var half = await McClient.ConnectAsync(_node.Memcached);
        await half.SendAsync("set tcp:half 0 0 100\r\nonly part of it");
        using var other = await McClient.ConnectAsync(_node.Memcached);
        Assert.Equal("STORED", await other.CallLineAsync("set tcp:other 0 0 2\r\nok\r\n"));
        half.Dispose();
        Assert.Equal("VALUE tcp:other 0 2\r\nok\r\nEND\r\n", await other.CallUntilAsync("get tcp:half tcp:other\r\n", "END\r\n"));
    }

    [Fact]
    public async Task Pipelined_requests_get_their_replies_in_order()
    {
        using var mc = await McClient.ConnectAsync(_node.Memcached);
        var batch = new StringBuilder();
        for (int i = 0; i < 200; i++) batch.Append($"set tcp:p{i} 0 0 {i.ToString().Length}\r\n{i}\r\nincr tcp:p{i} 1\r\n");
        string replies = await mc.CallUntilAsync(batch.ToString(), "200\r\n");
        var lines = replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(400, lines.Length);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal("STORED", lines[2 * i]);
            Assert.Equal((i + 1).ToString(), lines[2 * i + 1]);
        }
    }

    [Fact]
    public async Task An_http_request_on_the_memcached_port_is_dropped()
    {
        using var mc = await McClient.ConnectAsync(_node.Memcached);
        await mc.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("", await mc.ReadToCloseAsync());
    }

    internal sealed class McClient : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly StringBuilder _pending = new();

        private McClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public static async Task<McClient> ConnectAsync(IPEndPoint endPoint)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(endPoint);
            return new McClient(tcp);
        }

        public Task SendAsync(string text) => _stream.WriteAsync(Encoding.Latin1.GetBytes(text)).AsTask();

        public async Task<string> CallLineAsync(string request)
        {
            string reply = await CallUntilAsync(request, "\r\n");
            return reply[..^2];
        }

        /// <summary>Sends, then reads until the reply ends with <paramref name="end"/> (under a timeout).</summary>
        public async Task<string> CallUntilAsync(string request, string end)
        {
            await SendAsync(request);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[64 * 1024];
            while (!_pending.ToString().EndsWith(end, StringComparison.Ordinal))
            {
                int n = await _stream.ReadAsync(buffer, cts.Token);
                if (n == 0) throw new IOException("closed by the server");
                _pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
            string reply = _pending.ToString();
            _pending.Clear();
            return reply;
        }

        public async Task<string> ReadToCloseAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[4096];
            var all = new StringBuilder();
            int n;
            while ((n = await _stream.ReadAsync(buffer, cts.Token)) > 0) all.Append(Encoding.Latin1.GetString(buffer, 0, n));
            return all.ToString();
        }

        public void Dispose() => _tcp.Dispose();
    }
}
