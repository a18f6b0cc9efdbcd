using System.Buffers;
using Purple.Protocols.Resp;
using static Purple.Protocols.Tests.Resp.ParseHelper;
using static Purple.Protocols.Tests.Resp.Segments;

namespace Purple.Protocols.Tests.Resp;

public class RequestParserTests
{
    [Theory]
    [InlineData("*1\r\n$4\r\nPING\r\n", "Complete@14: [\"PING\"]")]
    [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", "Complete@31: [\"SET\", \"k\", \"hello\"]")]
    [InlineData("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", "Complete@19: [\"GET\", \"\"]")]
    [InlineData("*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\r\n\r\n", "Complete@24: [\"ECHO\", \"\\x0D\\x0A\\x0D\\x0A\"]")]
    [InlineData("*0\r\n", "Complete@4: []")]
    [InlineData("*-1\r\n", "Complete@5: []")]
    [InlineData("*-5\r\n", "Complete@5: []")]
    public void Parses_multibulk_frames(string request, string expected) => Assert.Equal(expected, Parse(Ascii(request)));

    [Fact]
    public void Like_redis_does_not_check_the_bytes_after_a_cr_or_a_payload()
    {
        Assert.Equal("Complete@14: [\"PING\"]", Parse(Ascii("*1\rX$4\rYPINGZZ")));
    }

    [Theory]
    [InlineData("*abc\r\n", RespRequestParser.InvalidMultibulkLength)]
    [InlineData("*\r\n", RespRequestParser.InvalidMultibulkLength)]
    [InlineData("*01\r\n", RespRequestParser.InvalidMultibulkLength)]
    [InlineData("*+1\r\n", RespRequestParser.InvalidMultibulkLength)]
    [InlineData("* 1\r\n", RespRequestParser.InvalidMultibulkLength)]
    [InlineData("*1048577\r\n", RespRequestParser.InvalidMultibulkLength)]
    [InlineData("*99999999999999999999\r\n", RespRequestParser.InvalidMultibulkLength)]
    [InlineData("*1\r\n$-1\r\n", RespRequestParser.InvalidBulkLength)]
    [InlineData("*1\r\n$\r\n", RespRequestParser.InvalidBulkLength)]
    [InlineData("*1\r\n$x\r\n", RespRequestParser.InvalidBulkLength)]
    [InlineData("*1\r\n$-0\r\n", RespRequestParser.InvalidBulkLength)]
    [InlineData("*1\r\n$536870913\r\n", RespRequestParser.InvalidBulkLength)]
    [InlineData("*1\r\n$9223372036854775808\r\n", RespRequestParser.InvalidBulkLength)]
    [InlineData("*1\r\nX3\r\nabc\r\n", "ERR Protocol error: expected '$', got 'X'")]
    [InlineData("*2\r\n$1\r\na\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'")]
    [InlineData("set k \"abc\r\n", RespRequestParser.UnbalancedQuotes)]
    [InlineData("set k 'abc\n", RespRequestParser.UnbalancedQuotes)]
    [InlineData("set k \"a\"b\r\n", RespRequestParser.UnbalancedQuotes)]
    [InlineData("set k 'a'b\r\n", RespRequestParser.UnbalancedQuotes)]
    [InlineData("set k \"abc\\\"\r\n", RespRequestParser.UnbalancedQuotes)]
    public void Reports_redis_protocol_errors(string request, string error) =>
        Assert.Equal("Error: " + error, Parse(Ascii(request)));

    [Fact]
    public void Exact_error_texts_match_redis()
    {
        Assert.Equal("ERR Protocol error: invalid multibulk length", RespRequestParser.InvalidMultibulkLength);
        Assert.Equal("ERR Protocol error: invalid bulk length", RespRequestParser.InvalidBulkLength);
        Assert.Equal("ERR Protocol error: too big inline request", RespRequestParser.TooBigInline);
        Assert.Equal("ERR Protocol error: too big mbulk count string", RespRequestParser.TooBigMultibulkCount);
        Assert.Equal("ERR Protocol error: too big bulk count string", RespRequestParser.TooBigBulkCount);
        Assert.Equal("ERR Protocol error: unbalanced quotes in request", RespRequestParser.UnbalancedQuotes);
    }

    [Fact]
    public void Multibulk_count_line_without_cr_errors_once_past_the_limit()
    {
        var limit = RespLimits.Default.MaxInlineLength;
        Assert.Equal("Incomplete", Parse(Ascii("*" + new string('1', limit - 1))));
        Assert.Equal("Error: " + RespRequestParser.TooBigMultibulkCount, Parse(Ascii("*" + new string('1', limit))));
        // A CR that only arrives past the limit does not rescue the line.
        Assert.Equal("Error: " + RespRequestParser.TooBigMultibulkCount, Parse(Ascii("*" + new string('1', limit) + "\r\n")));
    }

    [Fact]
    public void Bulk_length_line_without_cr_errors_once_past_the_limit()
    {
        var limit = RespLimits.Default.MaxInlineLength;
        Assert.Equal("Incomplete", Parse(Ascii("*1\r\n$" + new string('1', limit - 1))));
        Assert.Equal("Error: " + RespRequestParser.TooBigBulkCount, Parse(Ascii("*1\r\n$" + new string('1', limit))));
    }

    [Fact]
    public void Inline_line_without_newline_errors_once_past_the_limit()
    {
        var limits = new RespLimits { MaxInlineLength = 100 };
        Assert.Equal("Incomplete", Parse(Ascii(new string('a', 100)), limits));
        Assert.Equal("Error: " + RespRequestParser.TooBigInline, Parse(Ascii(new string('a', 101)), limits));
        Assert.Equal("Error: " + RespRequestParser.TooBigInline, Parse(Ascii(new string('a', 101) + "\n"), limits));
        Assert.StartsWith("Complete@101", Parse(Ascii(new string('a', 100) + "\n"), limits));
        Assert.Equal("Error: " + RespRequestParser.TooBigInline, Parse(Ascii(new string('a', 70_000))));
    }

    [Fact]
    public void Limits_are_configurable()
    {
        var limits = new RespLimits { MaxBulkLength = 3, MaxMultiBulkCount = 2 };
        Assert.StartsWith("Complete", Parse(Ascii("*2\r\n$3\r\nabc\r\n$0\r\n\r\n"), limits));
        Assert.Equal("Error: " + RespRequestParser.InvalidBulkLength, Parse(Ascii("*1\r\n$4\r\n"), limits));
        Assert.Equal("Error: " + RespRequestParser.InvalidMultibulkLength, Parse(Ascii("*3\r\n"), limits));
    }

    [Theory]
    [InlineData("PING\r\n", "Complete@6 inline: [\"PING\"]")]
    [InlineData("PING\n", "Complete@5 inline: [\"PING\"]")]
    [InlineData("\r\n", "Complete@2 inline: []")]
    [InlineData("\n", "Complete@1 inline: []")]
    [InlineData("   \t \r\n", "Complete@7 inline: []")]
    [InlineData("  get   key  \r\n", "Complete@15 inline: [\"get\", \"key\"]")]
    [InlineData("set k \"a b\"\r\n", "Complete@13 inline: [\"set\", \"k\", \"a b\"]")]
    [InlineData("echo \"\\x41\"\r\n", "Complete@13 inline: [\"echo\", \"A\"]")]
    [InlineData("echo \"\\xzz\\x4\"\r\n", "Complete@16 inline: [\"echo\", \"xzzx4\"]")]
    [InlineData("echo \"a\\nb\\r\\t\\b\\a\\\\\\\"\"\r\n", "Complete@25 inline: [\"echo\", \"a\\x0Ab\\x0D\\x09\\x08\\x07\\x5C\\x22\"]")]
    [InlineData("echo 'it\\'s' 'a\\nb'\r\n", "Complete@21 inline: [\"echo\", \"it's\", \"a\\x5Cnb\"]")]
    [InlineData("echo \"\" ''\r\n", "Complete@12 inline: [\"echo\", \"\", \"\"]")]
    [InlineData("foo\"bar\" baz\r\n", "Complete@14 inline: [\"foobar\", \"baz\"]")]
    [InlineData("get k\0ignored \"\r\n", "Complete@17 inline: [\"get\", \"k\"]")]
    [InlineData("a\rb\r\n", "Complete@5 inline: [\"a\", \"b\"]")]
    [InlineData("a\vb \vc\r\n", "Complete@8 inline: [\"a\\x0Bb\", \"c\"]")]
    [InlineData("\"quoted\"\t'x'\r\n", "Complete@14 inline: [\"quoted\", \"x\"]")]
    [InlineData("echo \u00e9\r\n", "Complete@8 inline: [\"echo\", \"\\xE9\"]")]
    public void Parses_inline_commands_like_sdssplitargs(string request, string expected) =>
        Assert.Equal(expected, Parse(Ascii(request)));

    [Fact]
    public void Pipelined_frames_parse_one_after_another()
    {
        var data = Ascii("*1\r\n$4\r\nPING\r\nECHO hi\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n\r\n*0\r\n*1\r\n$3\r\nab");
        string[] expected =
        [
            "Complete@14: [\"PING\"]", "Complete@9 inline: [\"ECHO\", \"hi\"]", "Complete@20: [\"GET\", \"k\"]",
            "Complete@2 inline: []", "Complete@4: []", "Incomplete",
        ];
        foreach (var buffer in new[] { new ReadOnlySequence<byte>(data), SplitAt(data, 17), OneBytePerSegment(data) })
        {
            var args = new RespCommandArgs();
            var rest = buffer;
            foreach (var step in expected)
            {
                Assert.Equal(step, Parse(rest, args: args));
                RespRequestParser.TryParse(rest, args, RespLimits.Default, out var consumed, out _);
                rest = rest.Slice(consumed);
            }
            Assert.Equal(10, rest.Length);
        }
    }

    [Fact]
    public void Args_expose_copies_and_case_insensitive_comparison()
    {
        var args = new RespCommandArgs();
        RespRequestParser.TryParse(new ReadOnlySequence<byte>(Ascii("*3\r\n$3\r\nset\r\n$2\r\nnX\r\n$1\r\n\xff\r\n")), args, RespLimits.Default, out _, out _);
        Assert.Equal(3, args.Count);
        Assert.False(args.IsInline);
        Assert.True(args.EqualsIgnoreCase(0, "SET"u8));
        Assert.True(args.EqualsIgnoreCase(1, "NX"u8));
        Assert.False(args.EqualsIgnoreCase(1, "XX"u8));
        Assert.False(args.EqualsIgnoreCase(1, "NXX"u8));
        Assert.False(args.EqualsIgnoreCase(2, "\u00df"u8));
        var copy = args.ToArray(2);
        Assert.Equal(new byte[] { 0xFF }, copy);
        Assert.Throws<ArgumentOutOfRangeException>(() => args.ToArray(3));
        args.Clear();
        Assert.Equal(0, args.Count);
        Assert.Equal(new byte[] { 0xFF }, copy);
    }

    [Fact]
    public void Huge_declared_lengths_do_not_allocate()
    {
        var limits = new RespLimits { MaxBulkLength = long.MaxValue };
        var args = new RespCommandArgs();
        var data = Ascii("*1\r\n$2147483647\r\nabc");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("Incomplete", Parse(new ReadOnlySequence<byte>(data), limits, args));
        Assert.Equal("Incomplete", Parse(SplitAt(data, 10), limits, args));
        Assert.Equal("Incomplete", Parse(Ascii("*1048576\r\n$1\r\na\r\n"), limits));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000);
        // Beyond what one request's arena can hold, even when the configured limit is higher.
        Assert.Equal("Error: " + RespRequestParser.InvalidBulkLength, Parse(Ascii("*1\r\n$2147483648\r\n"), limits));
    }

    [Fact]
    public void Warm_parsing_allocates_nothing()
    {
        var args = new RespCommandArgs();
        var frame = new ReadOnlySequence<byte>(Ascii("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"));
        var inline = new ReadOnlySequence<byte>(Ascii("SET key \"v a l\"\r\n"));
        var split = SplitAt(Ascii("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), 20);
        for (int i = 0; i < 3; i++)
        {
            RespRequestParser.TryParse(frame, args, RespLimits.Default, out _, out _);
            RespRequestParser.TryParse(inline, args, RespLimits.Default, out _, out _);
            RespRequestParser.TryParse(split, args, RespLimits.Default, out _, out _);
        }
        Assert.Equal(0, AllocationMeter.AllocatedBy(1000, () =>
        {
            RespRequestParser.TryParse(frame, args, RespLimits.Default, out _, out _);
            RespRequestParser.TryParse(inline, args, RespLimits.Default, out _, out _);
            RespRequestParser.TryParse(split, args, RespLimits.Default, out _, out _);
        }));
    }

    [Fact]
    public void Arena_grows_for_a_huge_request_and_shrinks_back_afterwards()
    {
        var args = new RespCommandArgs();
        var big = new byte[3 * 1024 * 1024];
        new Random(5).NextBytes(big);
        var frame = Ascii($"*2\r\n$3\r\nSET\r\n${big.Length}\r\n").Concat(big).Concat(Ascii("\r\n")).ToArray();
        Assert.Equal(RespParseStatus.Complete, RespRequestParser.TryParse(Of(frame[..1000], frame[1000..2_000_000], frame[2_000_000..]), args, RespLimits.Default, out _, out _));
        Assert.True(args[1].SequenceEqual(big));
        Assert.True(args.ArenaCapacity >= big.Length);

        Assert.Equal(RespParseStatus.Complete, RespRequestParser.TryParse(new ReadOnlySequence<byte>(Ascii("*1\r\n$4\r\nPING\r\n")), args, RespLimits.Default, out _, out _));
        Assert.True(args.ArenaCapacity <= RespCommandArgs.ShrinkArenaAbove);
        Assert.Equal("[\"PING\"]", Render(args));
    }

    [Fact]
    public void Slices_name_each_argument_in_the_buffer_from_any_split_of_the_frame_and_stop_allocating_once_warm()
    {
        var bytes = Ascii("*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nbcd\r\n$2\r\nef\r\n");
        var args = new RespCommandArgs();
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Equal(RespParseStatus.Complete, RespRequestParser.TryParse(SplitAt(bytes, cut), args, RespLimits.Default, out _, out _));
            var buffer = args.Buffer.ToArray();
            var slices = args.Slices(1).ToArray();
            Assert.Equal(["a", "", "bcd", "ef"], slices.Select(r => System.Text.Encoding.ASCII.GetString(buffer.AsSpan(r))));
            Assert.Equal("ef", System.Text.Encoding.ASCII.GetString(args.Buffer[args.Slices(4)[0]]));
            Assert.Equal(0, args.Slices(5).Length);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => args.Slices(6));
        Assert.Equal(0, AllocationMeter.AllocatedBy(1000, () => args.Slices(1)));
    }
}
