using System.Buffers;
using Purple.Protocols.Resp;
using static Purple.Protocols.Tests.Resp.ParseHelper;
using static Purple.Protocols.Tests.Resp.Segments;

namespace Purple.Protocols.Tests.Resp;

/// <summary>DESIGN §9: every frame split at every byte offset parses the same as in one piece.</summary>
public class RequestParserSplitTests
{
    public static TheoryData<string> ValidRequests() =>
    [
        "*1\r\n$4\r\nPING\r\n",
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
        "*2\r\n$3\r\nGET\r\n$0\r\n\r\n",
        "*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\r\n\r\n",
        "*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$10\r\n\0\x01\x02\xff\r\n\r\n\r\n\r\n",
        "*0\r\n",
        "*-1\r\n",
        "PING\r\n",
        "\r\n",
        "set k \"a b\"\r\n",
        "echo \"\\x41\\n\" 'it\\'s'\n",
        "  get   key  \r\n",
    ];

    public static TheoryData<string> ErrorRequests() =>
    [
        "*abc\r\n",
        "*1048577\r\n",
        "*1\r\n$-1\r\n",
        "*1\r\n$536870913\r\n",
        "*2\r\n$1\r\na\r\nX3\r\n",
        "set k \"abc\r\n",
        "set k 'a'b\r\n",
    ];

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void Every_two_segment_split_parses_the_same(string request)
    {
        var data = Ascii(request);
        string whole = Parse(data);
        Assert.StartsWith("Complete@" + data.Length, whole);
        for (int at = 0; at <= data.Length; at++)
            Assert.Equal(whole, Parse(SplitAt(data, at)));
    }

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void One_byte_per_segment_parses_the_same(string request)
    {
        var data = Ascii(request);
        Assert.Equal(Parse(data), Parse(OneBytePerSegment(data)));
    }

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void Every_prefix_is_incomplete(string request)
    {
        var data = Ascii(request);
        for (int length = 0; length < data.Length; length++)
        {
            Assert.Equal("Incomplete", Parse(data[..length]));
            Assert.Equal("Incomplete", Parse(OneBytePerSegment(data[..length])));
        }
    }

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void Every_split_of_a_pipelined_pair_parses_both(string request)
    {
        var data = Ascii(request + "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n");
        int firstLength = Ascii(request).Length;
        for (int at = 0; at <= data.Length; at++)
        {
            var args = new RespCommandArgs();
            var buffer = SplitAt(data, at);
            Assert.Equal(RespParseStatus.Complete, RespRequestParser.TryParse(buffer, args, RespLimits.Default, out var consumed, out _));
            Assert.Equal(firstLength, buffer.Slice(buffer.Start, consumed).Length);
            buffer = buffer.Slice(consumed);
            Assert.Equal(RespParseStatus.Complete, RespRequestParser.TryParse(buffer, args, RespLimits.Default, out consumed, out _));
            Assert.Equal("[\"ECHO\", \"hi\"]", Render(args));
            Assert.True(buffer.Slice(consumed).IsEmpty);
        }
    }

    [Theory]
    [MemberData(nameof(ErrorRequests))]
    public void Every_split_of_an_error_gives_the_same_error(string request)
    {
        var data = Ascii(request);
        string whole = Parse(data);
        Assert.StartsWith("Error: ERR Protocol error:", whole);
        for (int at = 0; at <= data.Length; at++)
            Assert.Equal(whole, Parse(SplitAt(data, at)));
        Assert.Equal(whole, Parse(OneBytePerSegment(data)));
    }

    [Theory]
    [InlineData("*", RespRequestParser.TooBigMultibulkCount)]
    [InlineData("*1\r\n$", RespRequestParser.TooBigBulkCount)]
    [InlineData("", RespRequestParser.TooBigInline)]
    public void Too_big_lines_error_the_same_across_splits(string prefix, string error)
    {
        var data = Ascii(prefix + new string('1', 70_000));
        foreach (int at in new[] { 0, 1, 3, prefix.Length, 4096, 65_535, 65_536, 65_537, 69_999, data.Length })
            Assert.Equal("Error: " + error, Parse(SplitAt(data, at)));
        var chunks = data.Chunk(4096).ToArray();
        Assert.Equal("Error: " + error, Parse(Of(chunks)));
    }

    [Fact]
    public void Large_values_across_many_segments_parse_exactly()
    {
        var value = new byte[200_000];
        new Random(9).NextBytes(value);
        var frame = Ascii($"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${value.Length}\r\n").Concat(value).Concat(Ascii("\r\n")).ToArray();
        var args = new RespCommandArgs();
        // Pipe-like 4 KB segments, and the frame arriving a segment at a time.
        var chunks = frame.Chunk(4096).ToArray();
        for (int n = 1; n < chunks.Length; n++)
            Assert.Equal(RespParseStatus.Incomplete, RespRequestParser.TryParse(Of(chunks[..n]), args, RespLimits.Default, out _, out _));
        Assert.Equal(RespParseStatus.Complete, RespRequestParser.TryParse(Of(chunks), args, RespLimits.Default, out var consumed, out _));
        Assert.True(args[2].SequenceEqual(value));
        Assert.Equal(frame.Length, Of(chunks).Slice(0, consumed).Length);
    }

    [Fact]
    public void Empty_segments_are_harmless()
    {
        var data = Ascii("*1\r\n$4\r\nPING\r\n");
        Assert.Equal(Parse(data), Parse(Of([], data[..5], [], data[5..], [])));
        Assert.Equal(Parse(Ascii("PING\r\n")), Parse(Of([], Ascii("PI"), [], Ascii("NG\r\n"))));
    }
}
