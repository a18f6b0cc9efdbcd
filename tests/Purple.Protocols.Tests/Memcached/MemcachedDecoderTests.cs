using Purple.Protocols.Memcached;
using static Purple.Protocols.Tests.Memcached.DecodeHelper;

namespace Purple.Protocols.Tests.Memcached;

public class MemcachedDecoderTests
{
    [Fact]
    public void A_store_command_carries_its_parsed_fields_and_its_data_block()
    {
        var outcomes = Decode("set k 5 60 3\r\nabc\r\nget k\r\n");
        Assert.Equal(["Set [set k 5 60 3] value=abc", "Get [get k]"], outcomes);
        var decoder = new MemcachedDecoder(MemcachedLimits.Default);
        var r = new MemcachedRequest();
        decoder.Decode(new System.Buffers.ReadOnlySequence<byte>("cas k 4294967295 -1 2 18446744073709551615 noreply\r\nab\r\n"u8.ToArray()), r, out _);
        Assert.Equal((4294967295u, -1L, 18446744073709551615UL, 2, true), (r.ClientFlags, r.Exptime, r.CasUnique, r.DataLength, r.NoReply));
    }

    [Fact]
    public void Data_blocks_are_binary_safe_and_may_contain_line_ends()
    {
        Assert.Equal(["Set [set k 0 0 6] value=a\r\nb\0\n", "Version [version]"], Decode("set k 0 0 6\r\na\r\nb\0\n\r\nversion\r\n"));
    }

    [Fact]
    public void A_bare_newline_ends_a_command_line_but_a_data_block_needs_crlf()
    {
        Assert.Equal(["Set [set a 0 0 1] value=a", "Get [get a]"], Decode("set a 0 0 1\na\r\nget a\n"));
        // memcached reads exactly length+2 bytes; what follows is the next line ("\n" alone: an empty line).
        Assert.Equal(["Set [set a 0 0 3] error=CLIENT_ERROR bad data chunk", "Unknown", "Get [get a]"], Decode("set a 0 0 3\r\nabcd\r\nget a\r\n"));
    }

    [Theory]
    [InlineData("set k 1 2\r\n", "Set [set k 1 2] error=ERROR")]
    [InlineData("cas k 0 0 1\r\n", "Cas [cas k 0 0 1] error=ERROR")]
    [InlineData("set k x 0 1\r\n", "Set [set k x 0 1] error=CLIENT_ERROR bad command line format")]
    [InlineData("set k 4294967296 0 1\r\n", "Set [set k 4294967296 0 1] error=CLIENT_ERROR bad command line format")]
    [InlineData("set k 0 0 -1\r\n", "Set [set k 0 0 -1] error=CLIENT_ERROR bad command line format")]
    [InlineData("set k 0 x 1\r\n", "Set [set k 0 x 1] error=CLIENT_ERROR bad command line format")]
    [InlineData("cas k 0 0 1 -5\r\n", "Cas [cas k 0 0 1 -5] error=CLIENT_ERROR bad command line format")]
    [InlineData("set k\x01 0 0 1\r\n", "Set [set k\x01 0 0 1] error=CLIENT_ERROR bad command line format")]
    public void A_malformed_store_line_reads_no_data_block(string line, string expected)
    {
        // The "a" line after it is a command line of its own, as in memcached.
        Assert.Equal([expected, "Unknown [a]"], Decode(line + "a\r\n"));
    }

    [Fact]
    public void Keys_of_250_bytes_are_fine_and_251_are_refused()
    {
        string ok = new('k', 250), tooLong = new('k', 251);
        Assert.Equal($"Set [set {ok} 0 0 1] value=a", Decode($"set {ok} 0 0 1\r\na\r\n")[0]);
        Assert.Equal($"Set [set {tooLong} 0 0 1] error=CLIENT_ERROR bad command line format", Decode($"set {tooLong} 0 0 1\r\na\r\n")[0]);
    }

    [Fact]
    public void A_value_over_the_item_limit_is_discarded_whole_however_it_arrives()
    {
        var limits = new MemcachedLimits { MaxItemSize = 10 };
        byte[] data = Resp.Segments.Ascii("set big 0 0 11\r\nhello world\r\nget big\r\n");
        var whole = DecodeInPieces(limits, data);
        Assert.Equal(["Set [set big 0 0 11] too-large", "Get [get big]"], whole);
        for (int at = 0; at <= data.Length; at++) Assert.Equal(whole, DecodeInPieces(limits, data[..at], data[at..]));
    }

    [Fact]
    public void Meta_set_frames_its_data_block_and_checks_the_length_token()
    {
        Assert.Equal(["MetaSet [ms k 2 T90 F5] value=hi", "MetaNoop [mn]"], Decode("ms k 2 T90 F5\r\nhi\r\nmn\r\n"));
        Assert.Equal(["MetaSet [ms k S2] error=CLIENT_ERROR bad command line format", "Unknown [zz]"], Decode("ms k S2\r\nzz\r\n"));
        Assert.Equal(["MetaSet [ms] error=ERROR"], Decode("ms\r\n"));
    }

    [Fact]
    public void Commands_are_case_sensitive_and_runs_of_spaces_separate_tokens()
    {
        Assert.Equal(["Unknown [GET a]", "Get [get a b]", "Unknown"], Decode("GET a\r\n  get   a  b \r\n\r\n"));
    }

    [Fact]
    public void An_http_request_line_closes_the_connection()
    {
        Assert.Equal(["CLOSE Unknown [GET / HTTP/1.1]"], Decode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    [Fact]
    public void A_line_over_the_limit_that_is_not_a_retrieval_closes_the_connection()
    {
        var limits = new MemcachedLimits { MaxLineLength = 64 };
        var outcomes = Decode("set " + new string('x', 100), limits);
        Assert.Equal(["CLOSE Unknown error=CLIENT_ERROR line too long"], outcomes);
    }

    [Fact]
    public void A_long_get_line_is_served_in_pieces_that_each_end_at_a_whole_key()
    {
        var limits = new MemcachedLimits { MaxLineLength = 32 };
        var keys = Enumerable.Range(0, 12).Select(i => $"key{i:D3}").ToArray();
        string line = "gets " + string.Join(' ', keys) + "\r\nversion\r\n";
        var outcomes = Decode(line, limits);
        Assert.Equal("Version [version]", outcomes[^1]);
        var pieces = outcomes[..^1];
        Assert.True(pieces.Count > 1);
        Assert.All(pieces, p => Assert.StartsWith("Gets [gets ", p));
        Assert.All(pieces[..^1], p => Assert.Contains(" continues", p));
        Assert.DoesNotContain(" continues", pieces[^1]);
        var served = pieces.SelectMany(p => p[(p.IndexOf('[') + 1)..p.IndexOf(']')].Split(' ').Skip(1)).ToArray();
        Assert.Equal(keys, served);

        // The same stream split at every byte serves the same keys in the same pieces.
        byte[] data = Resp.Segments.Ascii(line);
        for (int at = 0; at <= data.Length; at++) Assert.Equal(outcomes, DecodeInPieces(limits, data[..at], data[at..]));
    }

    [Fact]
    public void A_long_gat_line_repeats_its_exptime_on_every_piece()
    {
        var limits = new MemcachedLimits { MaxLineLength = 24 };
        var outcomes = Decode("gat 300 aaaaa bbbbb ccccc ddddd eeeee fffff\r\n", limits);
        Assert.True(outcomes.Count > 1);
        Assert.All(outcomes, o => Assert.StartsWith("Gat [gat 300 ", o));
    }

    [Fact]
    public void A_long_line_with_no_space_to_cut_at_is_refused()
    {
        var limits = new MemcachedLimits { MaxLineLength = 16 };
        Assert.Equal(["CLOSE Unknown error=CLIENT_ERROR line too long"], Decode("get " + new string('k', 40), limits));
    }
}
