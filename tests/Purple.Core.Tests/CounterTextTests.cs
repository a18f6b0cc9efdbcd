using System.Text;

namespace Purple.Core.Tests;

public class CounterTextTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("7", 7)]
    [InlineData("-12", -12)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Integers_in_redis_form_parse(string text, long expected)
    {
        Assert.True(CounterText.TryParse(Encoding.ASCII.GetBytes(text), out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+5")]
    [InlineData("05")]
    [InlineData("-0")]
    [InlineData("-")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("1.5")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("99999999999999999999")]
    [InlineData("abc")]
    public void Anything_incrby_refuses_is_refused(string text)
    {
        Assert.False(CounterText.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }
}
