using System.Buffers;
using System.Text;
using Purple.Protocols.Resp;

namespace Purple.Protocols.Tests.Resp;

public class WriterTests
{
    private static string Write(int protocol, Action<RespWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(output) { Protocol = protocol };
        write(writer);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Protocol_independent_replies(int protocol)
    {
        Assert.Equal("+OK\r\n", Write(protocol, w => w.Ok()));
        Assert.Equal("+PONG\r\n", Write(protocol, w => w.SimpleString("PONG"u8)));
        Assert.Equal("+a b\r\n", Write(protocol, w => w.SimpleString("a\nb"u8)));
        Assert.Equal("-ERR syntax error\r\n", Write(protocol, w => w.Error("ERR syntax error")));
        Assert.Equal("-ERR bad  input here\r\n", Write(protocol, w => w.Error("ERR bad\r\ninput\nhere")));
        Assert.Equal("-ERR caf\u00c3\u00a9\r\n", Write(protocol, w => w.Error("ERR caf\u00e9")));
        Assert.Equal(":0\r\n", Write(protocol, w => w.Integer(0)));
        Assert.Equal(":1023\r\n", Write(protocol, w => w.Integer(1023)));
        Assert.Equal(":1024\r\n", Write(protocol, w => w.Integer(1024)));
        Assert.Equal(":-1\r\n", Write(protocol, w => w.Integer(-1)));
        Assert.Equal(":-9223372036854775808\r\n", Write(protocol, w => w.Integer(long.MinValue)));
        Assert.Equal(":9223372036854775807\r\n", Write(protocol, w => w.Integer(long.MaxValue)));
        Assert.Equal("$5\r\nhello\r\n", Write(protocol, w => w.Bulk("hello"u8)));
        Assert.Equal("$0\r\n\r\n", Write(protocol, w => w.Bulk([])));
        Assert.Equal("$2\r\n\r\n\r\n", Write(protocol, w => w.Bulk("\r\n"u8)));
        Assert.Equal("$2\r\n\u00c3\u00a9\r\n", Write(protocol, w => w.BulkString("\u00e9")));
        Assert.Equal("*0\r\n", Write(protocol, w => w.ArrayHeader(0)));
        Assert.Equal("*2000\r\n", Write(protocol, w => w.ArrayHeader(2000)));
        Assert.Equal("*3\r\n:1\r\n$1\r\na\r\n+b\r\n", Write(protocol, w => { w.ArrayHeader(3); w.Integer(1); w.Bulk("a"u8); w.SimpleString("b"u8); }));
        Assert.Equal("$3\r\nraw", Write(protocol, w => w.Raw("$3\r\nraw"u8)));
    }

    [Fact]
    public void Resp2_specific_encodings()
    {
        Assert.Equal("$-1\r\n", Write(2, w => w.Null()));
        Assert.Equal("*-1\r\n", Write(2, w => w.NullArray()));
        Assert.Equal("*3\r\n", Write(2, w => w.SetHeader(3)));
        Assert.Equal("*4\r\n", Write(2, w => w.MapHeader(2)));
        Assert.Equal(":1\r\n", Write(2, w => w.Boolean(true)));
        Assert.Equal(":0\r\n", Write(2, w => w.Boolean(false)));
        Assert.Equal("$3\r\n1.5\r\n", Write(2, w => w.Double(1.5)));
        Assert.Equal("$3\r\ninf\r\n", Write(2, w => w.Double(double.PositiveInfinity)));
        Assert.Equal("$4\r\n-inf\r\n", Write(2, w => w.Double(double.NegativeInfinity)));
        Assert.Equal("$5\r\nhello\r\n", Write(2, w => w.Verbatim("hello"u8)));
    }

    [Fact]
    public void Resp3_specific_encodings()
    {
        Assert.Equal("_\r\n", Write(3, w => w.Null()));
        Assert.Equal("_\r\n", Write(3, w => w.NullArray()));
        Assert.Equal("~3\r\n", Write(3, w => w.SetHeader(3)));
        Assert.Equal("%2\r\n", Write(3, w => w.MapHeader(2)));
        Assert.Equal("#t\r\n", Write(3, w => w.Boolean(true)));
        Assert.Equal("#f\r\n", Write(3, w => w.Boolean(false)));
        Assert.Equal(",1.5\r\n", Write(3, w => w.Double(1.5)));
        Assert.Equal(",inf\r\n", Write(3, w => w.Double(double.PositiveInfinity)));
        Assert.Equal(",-inf\r\n", Write(3, w => w.Double(double.NegativeInfinity)));
        Assert.Equal(",nan\r\n", Write(3, w => w.Double(double.NaN)));
        Assert.Equal("=9\r\ntxt:hello\r\n", Write(3, w => w.Verbatim("hello"u8)));
        Assert.Equal("=4\r\nmkd:\r\n", Write(3, w => w.Verbatim([], "mkd")));
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.0, "-0")]
    [InlineData(1.0, "1")]
    [InlineData(-3.0, "-3")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.5, "1.5")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(3.141592653589793, "3.141592653589793")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(1.5e-10, "1.5e-10")]
    [InlineData(1e17, "100000000000000000")]
    [InlineData(1e20, "1e+20")]
    [InlineData(1.2345678901234569e+23, "1.2345678901234569e+23")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(1e300, "1e+300")]
    [InlineData(double.Epsilon, "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(4611686018427387904.0, "4611686018427387904")] // LLONG_MAX/2 as a double is still "integral" to Redis
    [InlineData(9.3e18, "9.3e+18")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    public void Doubles_use_redis_formatting(double value, string expected) =>
        Assert.Equal($",{expected}\r\n", Write(3, w => w.Double(value)));

    [Fact]
    public void Verbatim_format_must_be_three_ascii_characters()
    {
        var writer = new RespWriter(new ArrayBufferWriter<byte>()) { Protocol = 3 };
        Assert.Throws<ArgumentException>(() => writer.Verbatim("x"u8, "text"));
        Assert.Throws<ArgumentException>(() => writer.Verbatim("x"u8, "t\u00e9x"));
    }

    [Fact]
    public void Protocol_must_be_2_or_3()
    {
        var writer = new RespWriter(new ArrayBufferWriter<byte>());
        Assert.Equal(2, writer.Protocol);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Protocol = 1);
    }

    [Fact]
    public void Large_payloads_are_copied_in_chunks()
    {
        var value = new byte[100_000];
        new Random(2).NextBytes(value);
        var output = new ChunkedWriter(1000);
        var writer = new RespWriter(output);
        writer.Bulk(value);
        writer.Error("ERR " + new string('x', 5000) + "\n");
        writer.BulkString(new string('y', 5000));
        var expected = Encoding.ASCII.GetBytes("$100000\r\n").Concat(value).Concat("\r\n-ERR "u8.ToArray())
            .Concat(Encoding.ASCII.GetBytes(new string('x', 5000) + " \r\n$5000\r\n" + new string('y', 5000) + "\r\n")).ToArray();
        Assert.Equal(expected, output.Written.ToArray());
        Assert.True(output.LargestRequest <= 4096, $"asked for {output.LargestRequest} bytes at once");
    }

    [Fact]
    public void Output_can_be_swapped()
    {
        var first = new ArrayBufferWriter<byte>();
        var second = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(first);
        writer.Ok();
        writer.Output = second;
        writer.Integer(7);
        Assert.Equal("+OK\r\n"u8.ToArray(), first.WrittenSpan.ToArray());
        Assert.Equal(":7\r\n"u8.ToArray(), second.WrittenSpan.ToArray());
    }

    [Fact]
    public void Common_replies_allocate_nothing()
    {
        var output = new ArrayBufferWriter<byte>(1 << 20);
        var writer = new RespWriter(output) { Protocol = 3 };
        void WriteAll()
        {
            writer.Ok(); writer.Integer(5); writer.Integer(123456); writer.Bulk("value"u8); writer.Null();
            writer.ArrayHeader(2); writer.MapHeader(1); writer.Boolean(true); writer.Double(1.5); writer.Error("ERR x");
        }
        WriteAll();
        output.ResetWrittenCount();
        Assert.Equal(0, AllocationMeter.AllocatedBy(100, WriteAll));
    }

    /// <summary>Offers at most <c>chunk</c> bytes per span unless a bigger hint forces it, like a pipe's segments.</summary>
    private sealed class ChunkedWriter(int chunk) : IBufferWriter<byte>
    {
        private byte[] _current = [];
        public List<byte> Written { get; } = [];
        public int LargestRequest { get; private set; }

        public void Advance(int count) => Written.AddRange(_current.AsSpan(0, count).ToArray());

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            LargestRequest = Math.Max(LargestRequest, sizeHint);
            return _current = new byte[Math.Max(sizeHint, chunk)];
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
