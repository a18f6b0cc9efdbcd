using System.Buffers;
using Purple.Protocols.Grpc;
using Purple.Protocols.Tests.Resp;

namespace Purple.Protocols.Tests.Grpc;

public class GrpcFramingTests
{
    private static byte[] Frame(byte[] payload, byte compressed = 0)
    {
        var output = new ArrayBufferWriter<byte>();
        GrpcFraming.Write(output, payload.Length, span => payload.CopyTo(span));
        var bytes = output.WrittenSpan.ToArray();
        bytes[0] = compressed;
        return bytes;
    }

    [Fact]
    public void A_frame_is_a_flag_a_big_endian_length_and_the_message()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 7, 8, 9 }, Frame([7, 8, 9]));
    }

    [Fact]
    public void Every_split_reads_the_same_message_or_waits()
    {
        var data = Frame([1, 2, 3, 4, 5]).Concat(new byte[] { 0xAA }).ToArray();
        for (int at = 0; at <= data.Length; at++)
        {
            var sequence = Segments.SplitAt(data, at);
            Assert.Equal(GrpcFrameStatus.Complete, GrpcFraming.TryRead(sequence, 1024, out bool compressed, out var payload, out var consumed));
            Assert.False(compressed);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, payload.ToArray());
            Assert.Equal(10, sequence.Slice(0, consumed).Length);
        }
        for (int cut = 0; cut < 10; cut++)
            Assert.Equal(GrpcFrameStatus.Incomplete, GrpcFraming.TryRead(new ReadOnlySequence<byte>(data[..cut]), 1024, out _, out _, out _));
    }

    [Fact]
    public void A_declared_length_over_the_limit_is_refused_before_it_arrives()
    {
        var header = new byte[] { 0, 0, 0x10, 0, 0 };
        Assert.Equal(GrpcFrameStatus.TooLarge, GrpcFraming.TryRead(new ReadOnlySequence<byte>(header), 1024, out _, out _, out _));
    }

    [Fact]
    public void The_compressed_flag_is_reported()
    {
        Assert.Equal(GrpcFrameStatus.Complete, GrpcFraming.TryRead(new ReadOnlySequence<byte>(Frame([1], compressed: 1)), 1024, out bool compressed, out _, out _));
        Assert.True(compressed);
    }

    [Theory]
    [InlineData("1H", 3_600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3_000)]
    [InlineData("250m", 250)]
    [InlineData("5000u", 5)]
    [InlineData("99999999n", 99)]
    public void Timeouts_parse_with_every_unit(string header, double milliseconds)
    {
        Assert.True(GrpcFraming.TryParseTimeout(header, out var timeout));
        Assert.Equal(milliseconds, Math.Floor(timeout.TotalMilliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    public void Malformed_timeouts_are_refused(string header)
    {
        Assert.False(GrpcFraming.TryParseTimeout(header, out _));
    }

    [Fact]
    public void Status_messages_are_percent_encoded()
    {
        Assert.Equal("no %25 here: caf%C3%A9%0A", GrpcFraming.EncodeMessage("no % here: café\n"));
    }
}
