namespace Purple.Node.Tests;

/// <summary>Malformed input gets Redis's protocol error and a closed connection; nobody else is affected.</summary>
public class ProtocolErrorTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;

    public ProtocolErrorTests(NodeFixture node) => _node = node;

    [Theory]
    [InlineData("*abc\r\n", "-ERR Protocol error: invalid multibulk length")]
    [InlineData("*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n:5\r\n", "-ERR Protocol error: expected '$', got ':'")]
    [InlineData("SET \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request")]
    public async Task Malformed_frames_get_the_redis_error_and_the_connection_is_closed(string frame, string expected)
    {
        await using var victim = await _node.ConnectAsync();
        await victim.CommandAsync("SET", "bystander", "intact");
        await using var bad = await _node.ConnectAsync();
        await bad.SendAsync(frame);
        Assert.Equal(expected, (await bad.ReadAsync()).ToString());
        Assert.True(await bad.IsClosedByServerAsync());
        Assert.Equal("\"intact\"", (await victim.CommandAsync("GET", "bystander")).ToString());
    }

    [Fact]
    public async Task An_oversized_inline_line_is_refused_without_buffering_it_all()
    {
        await using var bad = await _node.ConnectAsync();
        await bad.SendAsync(new string('x', 70 * 1024));
        Assert.Equal("-ERR Protocol error: too big inline request", (await bad.ReadAsync()).ToString());
        Assert.True(await bad.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Binary_garbage_does_not_take_the_server_down()
    {
        var random = new Random(42);
        for (int i = 0; i < 20; i++)
        {
            await using var bad = await _node.ConnectAsync();
            var garbage = new byte[random.Next(1, 4096)];
            random.NextBytes(garbage);
            garbage[0] = (byte)'*';
            await bad.SendAsync(garbage);
        }
        await using var good = await _node.ConnectAsync();
        Assert.Equal("+PONG", (await good.CommandAsync("PING")).ToString());
    }

    [Fact]
    public async Task Quit_answers_ok_then_closes()
    {
        await using var c = await _node.ConnectAsync();
        Assert.Equal("+OK", (await c.CommandAsync("QUIT")).ToString());
        Assert.True(await c.IsClosedByServerAsync());
    }
}
