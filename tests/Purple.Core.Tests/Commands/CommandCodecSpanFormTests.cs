using System.Buffers;
using Purple.Core.Commands;

namespace Purple.Core.Tests.Commands;

/// <summary>The codec's span forms (writes taken from a request's bytes) write exactly what their records encode to.</summary>
public class CommandCodecSpanFormTests
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    /// <summary>The arguments laid out in one buffer with a byte between each, and their slices.</summary>
    private static (byte[] Buffer, Range[] Slices) Lay(params byte[][] arguments)
    {
        var bytes = new List<byte> { 0xAA };
        var slices = new List<Range>();
        foreach (var argument in arguments)
        {
            slices.Add(new Range(bytes.Count, bytes.Count + argument.Length));
            bytes.AddRange(argument);
            bytes.Add(0xAA);
        }
        return ([.. bytes], [.. slices]);
    }

    private static byte[] Encode(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>(1);
        write(output);
        return output.WrittenSpan.ToArray();
    }

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Each_span_form_writes_the_bytes_of_its_record(int seed)
    {
        var rng = new Random(seed);
        // Lengths across the varint boundaries and past the writer's 4 KB payload chunks.
        byte[] Bytes() => Enumerable.Range(0, rng.Next(4) switch { 0 => 0, 1 => rng.Next(1, 128), 2 => rng.Next(128, 300), _ => rng.Next(4000, 9000) })
            .Select(_ => (byte)rng.Next(256)).ToArray();
        for (int i = 0; i < 50; i++)
        {
            int db = rng.Next(3) == 0 ? rng.Next(16) : rng.Next(int.MaxValue);
            var (key, value) = (Bytes(), Bytes());
            long expiresAt = rng.Next(3) == 0 ? 0 : rng.NextInt64(long.MinValue, long.MaxValue);
            var condition = (SetCondition)rng.Next(3);
            var options = (SetOptions)rng.Next(4);
            var (buffer, slices) = Lay(key, value);
            Assert.Equal(CommandCodec.ToArray(new SetCommand(db, key, value, expiresAt, condition, options)),
                Encode(o => CommandCodec.WriteSet(o, db, buffer.AsSpan(slices[0]), buffer.AsSpan(slices[1]), expiresAt, condition, options)));

            long delta = rng.NextInt64(long.MinValue, long.MaxValue);
            Assert.Equal(CommandCodec.ToArray(new IncrByCommand(db, key, delta)), Encode(o => CommandCodec.WriteIncrBy(o, db, key, delta)));

            var members = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => Bytes()).ToArray();
            var (memberBuffer, memberSlices) = Lay(members);
            Assert.Equal(CommandCodec.ToArray(new SAddCommand(db, key, members)),
                Encode(o => CommandCodec.WriteSAdd(o, db, key, memberBuffer, memberSlices)));

            var keys = Enumerable.Range(0, rng.Next(1, 6)).Select(_ => Bytes()).ToArray();
            var values = keys.Select(_ => Bytes()).ToArray();
            bool onlyIfNoneExist = rng.Next(2) == 0;
            var (pairBuffer, pairSlices) = Lay([.. keys.Zip(values).SelectMany(p => new[] { p.First, p.Second })]);
            Assert.Equal(CommandCodec.ToArray(new MSetCommand(db, keys, values, onlyIfNoneExist)),
                Encode(o => CommandCodec.WriteMSet(o, db, pairBuffer, pairSlices, onlyIfNoneExist)));
        }
    }

    [Fact]
    public void An_mset_span_form_with_a_key_and_no_value_is_refused_and_writes_nothing()
    {
        var (buffer, slices) = Lay(B("k"), B("v"), B("k2"));
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => CommandCodec.WriteMSet(output, 0, buffer, slices, false));
        Assert.Equal(0, output.WrittenCount);
    }
}
