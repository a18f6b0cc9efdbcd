using System.Buffers;
using Purple.Protocols.Resp;
using static Purple.Protocols.Tests.Resp.Segments;

namespace Purple.Protocols.Tests.Resp;

public class ReplyReaderTests
{
    private static string Read(ReadOnlySequence<byte> buffer)
    {
        var status = RespReplyReader.TryRead(buffer, out var value, out var consumed, out var error);
        return status switch
        {
            RespParseStatus.Complete => $"{value}@{buffer.Slice(buffer.Start, consumed).Length}",
            RespParseStatus.Incomplete => "Incomplete",
            _ => "Error: " + error,
        };
    }

    private static string Read(string reply) => Read(new ReadOnlySequence<byte>(Ascii(reply)));

    [Theory]
    [InlineData("+OK\r\n", "+OK@5")]
    [InlineData("-ERR no\r\n", "-ERR no@9")]
    [InlineData(":-42\r\n", ":-42@6")]
    [InlineData(":+7\r\n", ":7@5")]
    [InlineData("$3\r\nabc\r\n", "\"abc\"@9")]
    [InlineData("$0\r\n\r\n", "\"\"@6")]
    [InlineData("$-1\r\n", "(nil)@5")]
    [InlineData("*-1\r\n", "(nil array)@5")]
    [InlineData("*0\r\n", "[]@4")]
    [InlineData("*2\r\n:1\r\n*1\r\n+x\r\n", "[:1, [+x]]@16")]
    [InlineData("_\r\n", "(null)@3")]
    [InlineData("#t\r\n", "#t@4")]
    [InlineData(",3.5\r\n", ",3.5@6")]
    [InlineData(",-inf\r\n", ",-inf@7")]
    [InlineData("(12345678901234567890\r\n", "(12345678901234567890@23")]
    [InlineData("!5\r\nERR x\r\n", "!-ERR x@11")]
    [InlineData("=7\r\ntxt:abc\r\n", "=txt:\"abc\"@13")]
    [InlineData("%1\r\n+k\r\n:1\r\n", "{+k: :1}@12")]
    [InlineData("~2\r\n+a\r\n+b\r\n", "~[+a, +b]@12")]
    [InlineData(">2\r\n+message\r\n+hi\r\n", ">[+message, +hi]@19")]
    [InlineData("|1\r\n+ttl\r\n:3\r\n+OK\r\n", "+OK@19")]
    public void Reads_every_resp_type(string reply, string expected) => Assert.Equal(expected, Read(reply));

    [Fact]
    public void Exposes_typed_fields()
    {
        RespReplyReader.TryRead(new ReadOnlySequence<byte>(Ascii("*4\r\n:5\r\n,2.5\r\n#f\r\n$-1\r\n")), out var value, out _, out _);
        Assert.Equal(RespType.Array, value!.Type);
        Assert.Equal(5, value.Items![0].Integer);
        Assert.Equal(2.5, value.Items[1].Double);
        Assert.False(value.Items[2].Boolean);
        Assert.True(value.Items[3].IsNull);
        Assert.Null(value.Items[3].Text);
    }

    [Theory]
    [InlineData("?x\r\n")]
    [InlineData(":abc\r\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("$-2\r\n")]
    [InlineData("#x\r\n")]
    [InlineData("=2\r\nab\r\n")]
    [InlineData("~-1\r\n")]
    public void Rejects_malformed_replies(string reply) => Assert.StartsWith("Error: Protocol error:", Read(reply));

    [Fact]
    public void Huge_counts_with_little_data_are_incomplete_not_allocated()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("Incomplete", Read("*1000000000\r\n:1\r\n"));
        Assert.Equal("Incomplete", Read("$2000000000\r\nabc"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var reply = string.Concat(Enumerable.Repeat("*1\r\n", 10_000)) + ":1\r\n";
        Assert.StartsWith("Error:", Read(reply));
    }

    /// <summary>Everything the writer can produce, in both protocols, read back at every split.</summary>
    public static TheoryData<int> Protocols() => [2, 3];

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Round_trips_what_the_writer_writes_split_at_every_byte(int protocol)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(output) { Protocol = protocol };
        var expected = new List<string>();
        void Add(Action<RespWriter> write, string v2, string v3)
        {
            write(writer);
            expected.Add(protocol == 2 ? v2 : v3);
        }
        Add(w => w.Ok(), "+OK", "+OK");
        Add(w => w.SimpleString("PONG"u8), "+PONG", "+PONG");
        Add(w => w.Error("WRONGTYPE Operation against a key"), "-WRONGTYPE Operation against a key", "-WRONGTYPE Operation against a key");
        Add(w => w.Integer(-12345678901), ":-12345678901", ":-12345678901");
        Add(w => w.Bulk("a\r\nb"u8), "\"a\\x0D\\x0Ab\"", "\"a\\x0D\\x0Ab\"");
        Add(w => w.BulkString(""), "\"\"", "\"\"");
        Add(w => w.Null(), "(nil)", "(null)");
        Add(w => w.NullArray(), "(nil array)", "(null)");
        Add(w => { w.ArrayHeader(2); w.Integer(1); w.Bulk("x"u8); }, "[:1, \"x\"]", "[:1, \"x\"]");
        Add(w => { w.SetHeader(2); w.Bulk("a"u8); w.Bulk("b"u8); }, "[\"a\", \"b\"]", "~[\"a\", \"b\"]");
        Add(w => { w.MapHeader(1); w.Bulk("k"u8); w.Integer(2); }, "[\"k\", :2]", "{\"k\": :2}");
        Add(w => w.Boolean(true), ":1", "#t");
        Add(w => w.Double(-0.5), "\"-0.5\"", ",-0.5");
        Add(w => w.Double(double.PositiveInfinity), "\"inf\"", ",inf");
        Add(w => w.Verbatim("text"u8), "\"text\"", "=txt:\"text\"");
        var data = output.WrittenSpan.ToArray();

        AssertReadsAll(new ReadOnlySequence<byte>(data), expected);
        AssertReadsAll(OneBytePerSegment(data), expected);
        for (int at = 0; at <= data.Length; at++)
            AssertReadsAll(SplitAt(data, at), expected);
        for (int length = 0; length < data.Length; length++)
        {
            // A cut anywhere leaves whole replies readable and the last one incomplete, never an error.
            var status = ReadAll(new ReadOnlySequence<byte>(data[..length]), out _);
            Assert.Equal(RespParseStatus.Incomplete, status);
        }
    }

    private static void AssertReadsAll(ReadOnlySequence<byte> buffer, List<string> expected)
    {
        var status = ReadAll(buffer, out var values);
        Assert.Equal(RespParseStatus.Incomplete, status);
        Assert.Equal(expected, values);
    }

    private static RespParseStatus ReadAll(ReadOnlySequence<byte> buffer, out List<string> values)
    {
        values = [];
        while (true)
        {
            var status = RespReplyReader.TryRead(buffer, out var value, out var consumed, out _);
            if (status != RespParseStatus.Complete) return status;
            values.Add(value!.ToString());
            buffer = buffer.Slice(consumed);
        }
    }
}
