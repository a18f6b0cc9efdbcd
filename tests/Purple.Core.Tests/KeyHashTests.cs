using System.Text;

namespace Purple.Core.Tests;

public class KeyHashTests
{
    [Theory]
    // Published xxHash64 (seed 0) vectors.
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1UL)]
    public void Matches_published_xxhash64_vectors(string input, ulong expected) =>
        Assert.Equal(expected, KeyHash.Hash64(Encoding.ASCII.GetBytes(input)));

    [Theory]
    // Computed by a separate reference written from the xxHash spec (it reproduces the published vectors above);
    // they cover the 32-byte stripe loop at its boundaries and every tail path (8-, 4- and 1-byte steps).
    [InlineData(32, 0xCBF59C5116FF32B4UL)]
    [InlineData(64, 0xF7C67301DB6713F0UL)]
    [InlineData(100, 0x6AC1E58032166597UL)]
    public void Matches_reference_values_for_long_inputs(int length, ulong expected)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        Assert.Equal(expected, KeyHash.Hash64(data));
    }

    [Fact]
    public void Is_stable_for_the_same_bytes_at_any_alignment()
    {
        var data = new byte[200];
        new Random(3).NextBytes(data);
        ulong expected = KeyHash.Hash64(data.AsSpan(0, 150));
        var shifted = new byte[160];
        data.AsSpan(0, 150).CopyTo(shifted.AsSpan(7));
        Assert.Equal(expected, KeyHash.Hash64(shifted.AsSpan(7, 150)));
    }
}
