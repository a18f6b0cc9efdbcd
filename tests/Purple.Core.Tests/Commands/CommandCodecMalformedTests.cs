using Purple.Core.Commands;

namespace Purple.Core.Tests.Commands;

public class CommandCodecMalformedTests
{
    [Fact]
    public void Every_truncation_of_every_sample_throws_the_codec_exception()
    {
        foreach (var command in CommandSamples.Small)
        {
            var encoded = CommandCodec.ToArray(command);
            for (int length = 0; length < encoded.Length; length++)
            {
                var prefix = encoded.AsSpan(0, length).ToArray();
                var ex = Record.Exception(() => CommandCodec.Read(prefix));
                Assert.True(ex is CommandCodecException, $"{command.Code} cut at {length}/{encoded.Length}: {ex?.GetType().Name ?? "no exception"}");
            }
        }
    }

    [Fact]
    public void Truncations_of_large_samples_throw_the_codec_exception()
    {
        foreach (var command in CommandSamples.All.Except(CommandSamples.Small))
        {
            var encoded = CommandCodec.ToArray(command);
            var rng = new Random(encoded.Length);
            for (int i = 0; i < 200; i++)
            {
                int length = i < 64 ? i : rng.Next(encoded.Length);
                Assert.Throws<CommandCodecException>(() => CommandCodec.Read(encoded.AsSpan(0, length)));
            }
        }
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        var encoded = CommandCodec.ToArray(new PersistCommand(0, [1, 2])).Append((byte)0).ToArray();
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(encoded));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0 })]                  // code 0 was never assigned
    [InlineData(new byte[] { 0xFF, 0xFF })]
    [InlineData(new byte[] { 16, 0, 0 })]              // first unassigned code after the table
    public void Unknown_codes_are_rejected(byte[] data) =>
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(data));

    [Theory]
    [InlineData(new byte[] { 4, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07 })]            // key length int.MaxValue, no bytes
    [InlineData(new byte[] { 2, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0x07, 0, 0 })]      // 2^31-2 keys in 2 bytes
    [InlineData(new byte[] { 7, 0, 0, 0x81, 0x80, 0x80, 0x80, 0x04, 0, 0, 0 })]   // MSET pair count over the input
    [InlineData(new byte[] { 4, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]      // varint over 5 bytes for a length
    [InlineData(new byte[] { 4, 0, 0x80, 0x00, 0 })]                              // non-minimal varint
    [InlineData(new byte[] { 13, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F })] // FlushAll has no fields
    public void Hostile_lengths_fail_without_allocating_what_they_claim(byte[] data)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(data));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Fact]
    public void Out_of_range_fields_are_rejected()
    {
        // SET k v with condition 5 (no such SetCondition; 4 is IfCasMatchesOrStale)
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(new byte[] { 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0 }));
        // SET with an unknown option bit
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(new byte[] { 1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0 }));
        // SET with a content type that is not UTF-8
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xFF, 0 }));
        // APPEND with a boolean of 2
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(new byte[] { 6, 0, 0, 0, 0, 2, 0 }));
        // Db beyond 32 bits
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(new byte[] { 12, 0, 0x80, 0x80, 0x80, 0x80, 0x10 }));
        // 64-bit varint with an 11th byte
        Assert.Throws<CommandCodecException>(() => CommandCodec.Read(new byte[] { 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0 }));
    }

    [Fact]
    public void Random_garbage_never_throws_anything_but_the_codec_exception()
    {
        var rng = new Random(20240601);
        var buffer = new byte[64];
        for (int i = 0; i < 200_000; i++)
        {
            int length = rng.Next(buffer.Length + 1);
            rng.NextBytes(buffer);
            // Most garbage dies at the code; steer half of it onto real codes so the fields get exercised.
            if (length >= 2 && (i & 1) == 0) { buffer[0] = (byte)rng.Next(0, 17); buffer[1] = 0; }
            AssertOnlyCodecFailure(buffer.AsSpan(0, length).ToArray());
        }
    }

    [Fact]
    public void Mutated_samples_never_throw_anything_but_the_codec_exception()
    {
        var rng = new Random(7);
        foreach (var command in CommandSamples.Small)
        {
            var encoded = CommandCodec.ToArray(command);
            for (int i = 0; i < 300; i++)
            {
                var copy = (byte[])encoded.Clone();
                int flips = rng.Next(1, 4);
                for (int f = 0; f < flips; f++) copy[rng.Next(copy.Length)] = (byte)rng.Next(256);
                AssertOnlyCodecFailure(copy);
            }
        }
    }

    private static void AssertOnlyCodecFailure(byte[] data)
    {
        try
        {
            var command = CommandCodec.Read(data);
            // Whatever decodes must re-encode to the same bytes: encodings are unique.
            Assert.Equal(data, CommandCodec.ToArray(command));
        }
        catch (CommandCodecException)
        {
        }
    }
}
