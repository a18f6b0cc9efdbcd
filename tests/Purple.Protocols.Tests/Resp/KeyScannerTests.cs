using System.Text;
using Purple.Protocols.Resp;

namespace Purple.Protocols.Tests.Resp;

/// <summary>
/// The look-ahead that finds the keys of pipelined commands for prefetching: the second argument of each whole
/// multibulk frame, in order, bounded by the room given; it stops quietly at anything it does not read, and never
/// reads past the buffer whatever the bytes.
/// </summary>
public sealed class KeyScannerTests
{
    private static byte[] Frame(params string[] args)
    {
        var s = new StringBuilder($"*{args.Length}\r\n");
        foreach (var a in args) s.Append($"${Encoding.UTF8.GetByteCount(a)}\r\n{a}\r\n");
        return Encoding.UTF8.GetBytes(s.ToString());
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static (string[] Keys, int End) Scan(byte[] buffer, int start = 0, int room = 16)
    {
        var keys = new Range[room];
        int found = RespKeyScanner.FindKeys(buffer, start, keys, out int end);
        return (keys[..found].Select(r => Encoding.UTF8.GetString(buffer[r])).ToArray(), end);
    }

    [Fact]
    public void The_second_argument_of_each_command_is_found_in_order_and_commands_without_one_are_walked_over()
    {
        var buffer = Concat(Frame("SET", "k1", "v"), Frame("PING"), Frame("GET", "k2"), Frame("INCRBY", "k3", "5"));
        var (keys, end) = Scan(buffer);
        Assert.Equal(["k1", "k2", "k3"], keys);
        Assert.Equal(buffer.Length, end);
    }

    [Fact]
    public void The_argument_after_each_key_is_found_beside_it_and_a_command_without_one_gets_an_empty_range_at_zero()
    {
        var buffer = Concat(Frame("SADD", "s", "m1", "m2"), Frame("SCARD", "s"), Frame("SISMEMBER", "s", ""), Frame("PING"), Frame("SREM", "s", "m3"));
        var keys = new Range[16];
        var arguments = new Range[16];
        int found = RespKeyScanner.FindKeys(buffer, 0, keys, arguments, out int end);
        Assert.Equal(4, found);
        Assert.Equal(buffer.Length, end);
        Assert.Equal(["s", "s", "s", "s"], keys[..found].Select(r => Encoding.UTF8.GetString(buffer[r])));
        Assert.Equal(["m1", "", "", "m3"], arguments[..found].Select(r => Encoding.UTF8.GetString(buffer[r])));
        // SCARD has none; SISMEMBER's empty member is a real range inside the buffer.
        Assert.Equal(new Range(0, 0), arguments[1]);
        Assert.True(arguments[2].Start.Value > 0);
        Assert.Throws<ArgumentException>(() => RespKeyScanner.FindKeys(buffer, 0, keys, new Range[2], out _));
    }

    [Fact]
    public void Binary_keys_and_values_holding_crlf_and_star_are_read_by_their_lengths()
    {
        var buffer = Concat(Frame("SET", "a\r\n*2\r\nb", "\r\n$3\r\n"), Frame("GET", ""));
        Assert.Equal(["a\r\n*2\r\nb", ""], Scan(buffer).Keys);
    }

    [Fact]
    public void The_scan_starts_where_it_is_told_and_stops_when_the_room_is_full_there_ending_its_walk()
    {
        var frames = Enumerable.Range(0, 5).Select(i => Frame("GET", "k" + i)).ToArray();
        var buffer = Concat(frames);
        var (keys, end) = Scan(buffer, start: frames[0].Length, room: 2);
        Assert.Equal(["k1", "k2"], keys);
        Assert.Equal(frames[0].Length + frames[1].Length + frames[2].Length, end);
        Assert.Equal(["k3", "k4"], Scan(buffer, start: end).Keys);
    }

    [Fact]
    public void An_incomplete_inline_or_malformed_command_ends_the_scan_after_the_whole_ones()
    {
        var whole = Frame("GET", "k1");
        foreach (var tail in new[] { "*2\r\n$3\r\nGET\r\n$2\r\nk", "GET k2\r\n", "*x\r\n", "*2\r\n:3\r\n", "*2\r\n$-1\r\n", "*0\r\n", "*99999999999\r\n", "*2\r\n$3\r\nGETX\r\n" })
        {
            var buffer = Concat(whole, Encoding.UTF8.GetBytes(tail), Frame("GET", "after"));
            var (keys, end) = Scan(buffer);
            Assert.Equal(["k1"], keys);
            Assert.Equal(whole.Length, end);
        }
    }

    [Fact]
    public void A_frame_of_more_arguments_than_the_look_ahead_walks_ends_it()
    {
        var many = Frame(["MSET", .. Enumerable.Range(0, 70).Select(i => "x" + i)]);
        var buffer = Concat(Frame("GET", "k1"), many, Frame("GET", "k2"));
        Assert.Equal(["k1"], Scan(buffer).Keys);
    }

    [Fact]
    public void Every_prefix_of_a_pipeline_yields_exactly_the_keys_of_its_whole_commands()
    {
        var frames = new[] { Frame("SET", "alpha", "1"), Frame("GET", "beta"), Frame("SADD", "gamma", "m1", "m2") };
        var buffer = Concat(frames);
        string[] names = ["alpha", "beta", "gamma"];
        for (int length = 0; length <= buffer.Length; length++)
        {
            int whole = 0, size = 0;
            while (whole < frames.Length && size + frames[whole].Length <= length) size += frames[whole++].Length;
            var (keys, end) = Scan(buffer[..length]);
            Assert.Equal(names.Take(whole), keys);
            Assert.Equal(size, end);
        }
    }

    [Fact]
    public void Random_bytes_never_throw_or_give_a_range_outside_the_buffer()
    {
        var random = new Random(20261202);
        var alphabet = "*$\r\n0123456789-x"u8.ToArray();
        var keys = new Range[16];
        var arguments = new Range[16];
        for (int round = 0; round < 20_000; round++)
        {
            var buffer = new byte[random.Next(0, 48)];
            for (int i = 0; i < buffer.Length; i++) buffer[i] = alphabet[random.Next(alphabet.Length)];
            int found = RespKeyScanner.FindKeys(buffer, 0, keys, arguments, out int end);
            Assert.InRange(end, 0, buffer.Length);
            for (int i = 0; i < found; i++)
            {
                var (offset, length) = keys[i].GetOffsetAndLength(buffer.Length);
                Assert.InRange(offset + length, 0, end);
                (offset, length) = arguments[i].GetOffsetAndLength(buffer.Length);
                Assert.InRange(offset + length, 0, end);
            }
        }
    }
}
