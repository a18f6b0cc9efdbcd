namespace Purple.Node.Tests;

/// <summary>Commands sent over a real socket to a real node, replies compared byte-for-byte in their RESP form.</summary>
public class RespOverTcpTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;

    public RespOverTcpTests(NodeFixture node) => _node = node;

    private async Task<RespTestClient> Client(int db)
    {
        var c = await _node.ConnectAsync();
        Assert.Equal("+OK", (await c.CommandAsync("SELECT", db)).ToString());
        Assert.Equal("+OK", (await c.CommandAsync("FLUSHDB")).ToString());
        return c;
    }

    private static async Task<string> Cmd(RespTestClient c, params object[] args) => (await c.CommandAsync(args)).ToString();

    [Fact]
    public async Task Strings_and_counters_answer_as_redis()
    {
        await using var c = await Client(1);
        Assert.Equal("+PONG", await Cmd(c, "PING"));
        Assert.Equal("+OK", await Cmd(c, "SET", "k", "v"));
        Assert.Equal("\"v\"", await Cmd(c, "GET", "k"));
        Assert.Equal("(nil)", await Cmd(c, "GET", "missing"));
        Assert.Equal("(nil)", await Cmd(c, "SET", "k", "w", "NX"));
        Assert.Equal("\"v\"", await Cmd(c, "SET", "k", "w", "XX", "GET"));
        Assert.Equal(":1", await Cmd(c, "INCR", "n"));
        Assert.Equal(":-9", await Cmd(c, "DECRBY", "n", "10"));
        Assert.Equal("-ERR value is not an integer or out of range", await Cmd(c, "INCR", "k"));
        Assert.Equal("+OK", await Cmd(c, "SET", "big", "9223372036854775807"));
        Assert.Equal("-ERR increment or decrement would overflow", await Cmd(c, "INCR", "big"));
        Assert.Equal(":5", await Cmd(c, "APPEND", "k", "1234"));
        Assert.Equal(":5", await Cmd(c, "STRLEN", "k"));
        Assert.Equal("+OK", await Cmd(c, "MSET", "a", "1", "b", "2"));
        Assert.Equal("[\"1\", \"2\", (nil)]", await Cmd(c, "MGET", "a", "b", "nope"));
        Assert.Equal(":0", await Cmd(c, "MSETNX", "a", "x", "c", "3"));
        Assert.Equal("\"1\"", await Cmd(c, "GETDEL", "a"));
        Assert.Equal(":0", await Cmd(c, "EXISTS", "a"));
    }

    [Fact]
    public async Task Expiry_options_and_ttl_queries()
    {
        await using var c = await Client(2);
        Assert.Equal("+OK", await Cmd(c, "SET", "k", "v", "EX", "100"));
        Assert.Equal(":100", await Cmd(c, "TTL", "k"));
        Assert.Equal(":-2", await Cmd(c, "TTL", "missing"));
        Assert.Equal(":1", await Cmd(c, "PERSIST", "k"));
        Assert.Equal(":-1", await Cmd(c, "TTL", "k"));
        Assert.Equal(":0", await Cmd(c, "EXPIRE", "k", "10", "XX"));
        Assert.Equal(":1", await Cmd(c, "EXPIRE", "k", "10", "NX"));
        Assert.Equal(":0", await Cmd(c, "EXPIRE", "k", "5", "GT"));
        Assert.Equal("-ERR invalid expire time in 'set' command", await Cmd(c, "SET", "k", "v", "EX", "0"));
        Assert.Equal("-ERR syntax error", await Cmd(c, "SET", "k", "v", "EX", "10", "PX", "10"));
        Assert.Equal("-ERR NX and XX, GT or LT options at the same time are not compatible", await Cmd(c, "EXPIRE", "k", "1", "NX", "XX"));
        Assert.Equal(":1", await Cmd(c, "PEXPIRE", "k", "-1"));
        Assert.Equal(":0", await Cmd(c, "EXISTS", "k"));
    }

    [Fact]
    public async Task Sets_and_wrong_type()
    {
        await using var c = await Client(3);
        Assert.Equal(":3", await Cmd(c, "SADD", "s", "a", "b", "c"));
        Assert.Equal(":0", await Cmd(c, "SADD", "s", "a"));
        Assert.Equal(":3", await Cmd(c, "SCARD", "s"));
        Assert.Equal("[:1, :0]", await Cmd(c, "SMISMEMBER", "s", "a", "z"));
        Assert.Equal("+set", await Cmd(c, "TYPE", "s"));
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value", await Cmd(c, "GET", "s"));
        Assert.Equal(":2", await Cmd(c, "SADD", "t", "b", "z"));
        Assert.Equal("[\"b\"]", await Cmd(c, "SINTER", "s", "t"));
        Assert.Equal(":1", await Cmd(c, "SREM", "t", "z"));
        Assert.Equal("+OK", await Cmd(c, "SET", "str", "x"));
        Assert.Equal("-WRONGTYPE Operation against a key holding the wrong kind of value", await Cmd(c, "SADD", "str", "x"));
    }

    [Fact]
    public async Task Unknown_commands_and_wrong_arity_get_redis_errors_and_the_connection_stays()
    {
        await using var c = await Client(4);
        Assert.Equal("-ERR unknown command 'FOO', with args beginning with: 'a' 'b' ", await Cmd(c, "FOO", "a", "b"));
        Assert.Equal("-ERR wrong number of arguments for 'get' command", await Cmd(c, "GET"));
        Assert.Equal("-ERR wrong number of arguments for 'client|setname' command", await Cmd(c, "CLIENT", "SETNAME"));
        Assert.Equal("-ERR DB index is out of range", await Cmd(c, "SELECT", "16"));
        Assert.Equal("+PONG", await Cmd(c, "PING"));
    }

    [Fact]
    public async Task Databases_are_isolated()
    {
        await using var a = await Client(5);
        await using var b = await Client(6);
        Assert.Equal("+OK", await Cmd(a, "SET", "shared", "five"));
        Assert.Equal("(nil)", await Cmd(b, "GET", "shared"));
        Assert.Equal(":1", await Cmd(a, "DBSIZE"));
        Assert.Equal(":0", await Cmd(b, "DBSIZE"));
    }

    [Fact]
    public async Task A_pipeline_of_a_thousand_commands_is_answered_in_order()
    {
        await using var c = await Client(7);
        var batch = new MemoryStream();
        for (int i = 0; i < 1000; i++) batch.Write(RespTestClient.Encode("INCR", "p"));
        await c.SendAsync(batch.ToArray());
        for (int i = 1; i <= 1000; i++) Assert.Equal(i, (await c.ReadAsync()).Integer);
    }

    [Fact]
    public async Task Inline_commands_work_as_with_telnet()
    {
        await using var c = await Client(8);
        await c.SendAsync("SET inline \"a b\"\r\nGET inline\r\n");
        Assert.Equal("+OK", (await c.ReadAsync()).ToString());
        Assert.Equal("\"a b\"", (await c.ReadAsync()).ToString());
    }

    [Fact]
    public async Task Resp3_after_hello_3()
    {
        await using var c = await Client(9);
        var hello = await c.CommandAsync("HELLO", "3");
        Assert.Equal(Purple.Protocols.Resp.RespType.Map, hello.Type);
        Assert.Contains("\"proto\": :3", hello.ToString(), StringComparison.Ordinal);
        await Cmd(c, "SADD", "s", "x");
        Assert.Equal("~[\"x\"]", await Cmd(c, "SMEMBERS", "s"));
        Assert.Equal("(null)", await Cmd(c, "GET", "nothing"));
        Assert.Equal("-NOPROTO unsupported protocol version", await Cmd(c, "HELLO", "4"));
    }

    [Fact]
    public async Task Transactions_queue_and_exec_atomically_and_watch_aborts_on_change()
    {
        await using var c = await Client(10);
        await using var other = await Client(10);
        Assert.Equal("+OK", await Cmd(c, "MULTI"));
        Assert.Equal("+QUEUED", await Cmd(c, "SET", "t", "1"));
        Assert.Equal("+QUEUED", await Cmd(c, "INCR", "t"));
        Assert.Equal("[+OK, :2]", await Cmd(c, "EXEC"));

        Assert.Equal("+OK", await Cmd(c, "WATCH", "t"));
        Assert.Equal(":3", await Cmd(other, "INCR", "t"));
        Assert.Equal("+OK", await Cmd(c, "MULTI"));
        Assert.Equal("+QUEUED", await Cmd(c, "SET", "t", "overwritten"));
        Assert.Equal("(nil array)", await Cmd(c, "EXEC"));
        Assert.Equal("\"3\"", await Cmd(c, "GET", "t"));

        Assert.Equal("+OK", await Cmd(c, "MULTI"));
        Assert.Equal("-ERR unknown command 'NOPE', with args beginning with: ", await Cmd(c, "NOPE"));
        Assert.Equal("-EXECABORT Transaction discarded because of previous errors.", await Cmd(c, "EXEC"));
        Assert.Equal("-ERR EXEC without MULTI", await Cmd(c, "EXEC"));
    }

    [Fact]
    public async Task Frames_larger_than_the_transport_buffer_are_read_whole_amid_a_pipeline()
    {
        // The transport stops reading at TransportReadBufferBytes; bigger frames go through the spill buffer.
        await using var c = await Client(11);
        var big = new byte[3 * (int)Purple.Protocols.Resp.RespConnectionHandler.TransportReadBufferBytes + 7];
        for (int i = 0; i < big.Length; i++) big[i] = (byte)('a' + i % 26);
        var pipeline = new List<byte>();
        pipeline.AddRange(RespTestClient.Encode("SET", "small", "1"));
        pipeline.AddRange(RespTestClient.Encode("SET", "big", big));
        for (int i = 0; i < 1000; i++) pipeline.AddRange(RespTestClient.Encode("INCR", "small"));
        pipeline.AddRange(RespTestClient.Encode("STRLEN", "big"));
        await c.SendAsync(pipeline.ToArray());
        Assert.Equal("+OK", (await c.ReadAsync()).ToString());
        Assert.Equal("+OK", (await c.ReadAsync()).ToString());
        for (int i = 0; i < 1000; i++) Assert.Equal($":{i + 2}", (await c.ReadAsync()).ToString());
        Assert.Equal($":{big.Length}", (await c.ReadAsync()).ToString());
        Assert.Equal(big, (await c.CommandAsync("GET", "big")).Bytes);
        // After the spill drains, ordinary traffic flows through the pipe again.
        Assert.Equal("+PONG", await Cmd(c, "PING"));
    }
}
