using System.Buffers;
using System.Text;
using Purple.Storage.Redis;

namespace Purple.Storage.Tests;

/// <summary>The external-Redis client's pure parts: replies decoded whatever way the bytes arrive, commands encoded exactly.</summary>
public class RedisClientCodecTests
{
    private const string Replies = "+OK\r\n-ERR wrong\r\n:-42\r\n$5\r\nhe\r\nl\r\n$0\r\n\r\n$-1\r\n*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n*0\r\n*-1\r\n";

    private static List<string> ParseAll(ReadOnlySequence<byte> input)
    {
        var output = new List<string>();
        while (input.Length > 0)
        {
            var status = RedisReplyParser.TryParse(input, out var reply, out var consumed, out string? error);
            Assert.NotEqual(RedisParseStatus.Error, status);
            if (status == RedisParseStatus.Incomplete) break;
            output.Add(reply!.ToString());
            input = input.Slice(consumed);
        }
        return output;
    }

    private static readonly string[] Expected = ["OK", "-ERR wrong", "-42", "he\r\nl", "", "(nil)", "[1, [x], (nil)]", "[]", "(nil)"];

    [Fact]
    public void Every_reply_type_decodes()
    {
        Assert.Equal(Expected, ParseAll(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(Replies))));
    }

    [Fact]
    public void Input_split_at_every_byte_decodes_the_same_and_waits_for_the_rest()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Replies);
        for (int split = 1; split < bytes.Length; split++)
        {
            var first = new Segment(bytes.AsMemory(0, split));
            var last = first.Append(bytes.AsMemory(split));
            Assert.Equal(Expected, ParseAll(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length)));
            // A prefix alone never yields a reply it does not wholly hold.
            var prefix = ParseAll(new ReadOnlySequence<byte>(bytes.AsMemory(0, split)));
            Assert.Equal(Expected.Take(prefix.Count), prefix);
        }
    }

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("$999999999999\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("*-5\r\n")]
    public void Broken_replies_are_errors_not_guesses(string text)
    {
        var status = RedisReplyParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _, out _, out string? error);
        Assert.Equal(RedisParseStatus.Error, status);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Commands_are_arrays_of_bulk_strings()
    {
        var output = new ArrayBufferWriter<byte>();
        RedisCommandWriter.Write(output, ["SET", Encoding.UTF8.GetBytes("k\r\n"), 42L, "é"]);
        Assert.Equal("*4\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$2\r\n42\r\n$2\r\né\r\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("redis://127.0.0.1:6380/2", "127.0.0.1", 6380, 2, null, null)]
    [InlineData("redis://cache", "cache", 6379, 0, null, null)]
    [InlineData("redis://:p%40ss@h:1", "h", 1, 0, null, "p@ss")]
    [InlineData("redis://user:pw@h:1/0", "h", 1, 0, "user", "pw")]
    public void Addresses_parse(string text, string host, int port, int db, string? user, string? password)
    {
        Assert.True(RedisEndpoint.TryParse(text, out var endpoint, out string? error), error);
        Assert.Equal(new RedisEndpoint(host, port, db, user, password), endpoint);
        Assert.DoesNotContain(password ?? "\u0000", endpoint!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://h:1")]
    [InlineData("redis://h:1/x")]
    [InlineData("h:1")]
    public void Bad_addresses_are_refused_without_showing_a_password(string text)
    {
        Assert.False(RedisEndpoint.TryParse(text, out _, out string? error));
        Assert.NotNull(error);
        Assert.False(RedisEndpoint.TryParse("http://u:secret@h", out _, out string? hidden));
        Assert.DoesNotContain("secret", hidden, StringComparison.Ordinal);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
