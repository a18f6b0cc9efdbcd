using System.Text;
using Purple.Core;
using Purple.Protocols.Http;

namespace Purple.Protocols.Tests.Http;

public class HttpRequestPartsTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a%2Fb", "a/b")]
    [InlineData("100%25", "100%")]
    [InlineData("%2541", "%41")]
    [InlineData("caf%C3%A9", "café")]
    [InlineData("café", "café")]
    [InlineData("a+b", "a+b")]
    public void Keys_are_percent_decoded_exactly_once(string raw, string key)
    {
        Assert.Equal(Encoding.UTF8.GetBytes(key), HttpRequestParts.PercentDecode(raw));
    }

    [Fact]
    public void Percent_escapes_may_carry_bytes_that_are_not_utf8()
    {
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x41 }, HttpRequestParts.PercentDecode("%FF%00A"));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%4")]
    [InlineData("%zz")]
    public void Malformed_escapes_are_refused(string raw)
    {
        Assert.Null(HttpRequestParts.PercentDecode(raw));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("0", false)]
    public void Flags_read_true_false_1_and_0_in_any_case(string text, bool expected)
    {
        Assert.True(FlagText.TryParse(Encoding.ASCII.GetBytes(text), out bool value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yes")]
    [InlineData("truee")]
    [InlineData("2")]
    [InlineData("tru")]
    public void Anything_else_is_not_a_flag(string text)
    {
        Assert.False(FlagText.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }
}
