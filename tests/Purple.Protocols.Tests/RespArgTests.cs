using Purple.Protocols.Resp;

namespace Purple.Protocols.Tests;

public class RespArgTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1", 1L)]
    [InlineData("-1", -1L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Integers_parse_as_redis_string2ll(string text, long expected)
    {
        Assert.True(RespArg.TryParseInt64(System.Text.Encoding.ASCII.GetBytes(text), out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("01")]
    [InlineData("-0")]
    [InlineData("-")]
    [InlineData("1.0")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("123456789012345678901")]
    public void Non_integers_are_refused_as_redis_does(string text) =>
        Assert.False(RespArg.TryParseInt64(System.Text.Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("0", true)]
    [InlineData("18446744073709551615", true)]
    [InlineData("18446744073709551616", false)]
    [InlineData("-1", false)]
    [InlineData("+1", false)]
    [InlineData("abc", false)]
    public void Cursors_are_unsigned_64_bit(string text, bool valid) =>
        Assert.Equal(valid, RespArg.TryParseCursor(System.Text.Encoding.ASCII.GetBytes(text), out _));
}
