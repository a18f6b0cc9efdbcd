using System.Text;

namespace Purple.Core.Tests;

public class GlobPatternTests
{
    [Theory]
    // The examples of Redis's KEYS documentation.
    [InlineData("h?llo", "hello", true)]
    [InlineData("h?llo", "hallo", true)]
    [InlineData("h?llo", "hxllo", true)]
    [InlineData("h?llo", "hllo", false)]
    [InlineData("h?llo", "heello", false)]
    [InlineData("h*llo", "hllo", true)]
    [InlineData("h*llo", "heeeello", true)]
    [InlineData("h*llo", "hello world", false)]
    [InlineData("h[ae]llo", "hello", true)]
    [InlineData("h[ae]llo", "hallo", true)]
    [InlineData("h[ae]llo", "hillo", false)]
    [InlineData("h[^e]llo", "hallo", true)]
    [InlineData("h[^e]llo", "hbllo", true)]
    [InlineData("h[^e]llo", "hello", false)]
    [InlineData("h[a-b]llo", "hallo", true)]
    [InlineData("h[a-b]llo", "hbllo", true)]
    [InlineData("h[a-b]llo", "hcllo", false)]
    // Stars.
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("**", "x", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*", "ba", false)]
    [InlineData("*a", "bba", true)]
    [InlineData("*a", "ab", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("*abc", "ababc", true)]
    [InlineData("user:*:name", "user:42:name", true)]
    [InlineData("user:*:name", "user:42:age", false)]
    // Question marks and exact text.
    [InlineData("?", "", false)]
    [InlineData("??", "ab", true)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "abd", false)]
    // Classes.
    [InlineData("[abc]", "b", true)]
    [InlineData("[abc]", "d", false)]
    [InlineData("[a-c]", "b", true)]
    [InlineData("[a-c]", "d", false)]
    [InlineData("[c-a]", "b", true)]   // Redis swaps a reversed range
    [InlineData("[^a]", "a", false)]
    [InlineData("[^a]", "z", true)]
    [InlineData("[^a-c]x", "dx", true)]
    [InlineData("[^a-c]x", "bx", false)]
    [InlineData("[a\\]]", "]", true)]
    [InlineData("[\\^]", "^", true)]
    [InlineData("[*]", "*", true)]
    [InlineData("[*]", "a", false)]
    [InlineData("[abc", "b", true)]   // an unterminated class ends at the pattern's end
    // Escapes.
    [InlineData("\\*", "*", true)]
    [InlineData("\\*", "a", false)]
    [InlineData("\\?", "?", true)]
    [InlineData("\\?", "a", false)]
    [InlineData("\\[a]", "[a]", true)]
    [InlineData("a\\\\b", "a\\b", true)]
    [InlineData("\\", "\\", true)]     // a trailing backslash matches itself
    public void Matches_like_redis(string pattern, string text, bool expected) =>
        Assert.Equal(expected, GlobPattern.Matches(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Works_on_binary_bytes()
    {
        Assert.True(GlobPattern.Matches([0xFF, (byte)'*'], [0xFF, 0x00, 0x01]));
        Assert.True(GlobPattern.Matches([(byte)'?'], [0x00]));
        Assert.False(GlobPattern.Matches([0xFE], [0xFF]));
    }

    [Fact]
    public void Recognises_match_all()
    {
        Assert.True(GlobPattern.IsMatchAll("*"u8));
        Assert.False(GlobPattern.IsMatchAll("**"u8));
        Assert.False(GlobPattern.IsMatchAll("a*"u8));
    }

    [Fact]
    public void Many_stars_do_not_explode()
    {
        var pattern = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("a*", 30)) + "b");
        var text = Encoding.ASCII.GetBytes(new string('a', 200));
        Assert.False(GlobPattern.Matches(pattern, text));
    }
}
