using Purple.Protocols.Memcached;
using static Purple.Protocols.Tests.Memcached.DecodeHelper;
using static Purple.Protocols.Tests.Resp.Segments;

namespace Purple.Protocols.Tests.Memcached;

/// <summary>DESIGN §9: every stream split at every byte decodes the same as in one piece.</summary>
public class MemcachedDecoderSplitTests
{
    public static TheoryData<string> Streams() =>
    [
        "get k\r\n",
        "gets a b c\r\n",
        "gat 10 a b\r\n",
        "set k 7 0 5\r\nhello\r\n",
        "set k 0 0 0\r\n\r\n",
        "cas k 0 0 2 99 noreply\r\n\r\n\r\n",
        "append k 0 0 4\r\n\n\r\n\n\r\n",
        "set k 0 0 3\r\nabcd\r\nversion\r\n",
        "set k x 0 1\r\na\r\n",
        "incr n 5\r\ndecr n 1 noreply\r\ntouch n 10\r\ndelete n\r\n",
        "ms k 3 T10 F1 c\r\nabc\r\nmg k v c f t k s O1\r\nmn\r\n",
        "ma k N0 J10 v\r\nmd k q\r\nme k\r\n",
        "set a 0 0 1\na\r\nget a\n",
        "flush_all 10 noreply\r\nstats\r\nverbosity 1\r\nquit\r\n",
        "GET / HTTP/1.1\r\n",
    ];

    [Theory]
    [MemberData(nameof(Streams))]
    public void Every_two_piece_split_decodes_the_same(string stream)
    {
        var data = Ascii(stream);
        var whole = DecodeInPieces(MemcachedLimits.Default, data);
        Assert.NotEmpty(whole);
        Assert.DoesNotContain(whole, o => o.StartsWith("incomplete", StringComparison.Ordinal));
        for (int at = 0; at <= data.Length; at++)
            Assert.Equal(whole, DecodeInPieces(MemcachedLimits.Default, data[..at], data[at..]));
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void Byte_by_byte_arrival_decodes_the_same(string stream)
    {
        var data = Ascii(stream);
        var whole = DecodeInPieces(MemcachedLimits.Default, data);
        Assert.Equal(whole, DecodeInPieces(MemcachedLimits.Default, data.Select(b => new[] { b }).ToArray()));
    }

    [Fact]
    public void A_truncated_data_block_waits_and_reports_nothing()
    {
        var outcomes = Decode("set k 0 0 10\r\nabc");
        Assert.Equal(["incomplete(0)"], outcomes);
    }
}
