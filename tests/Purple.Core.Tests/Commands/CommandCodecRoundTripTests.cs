using System.Buffers;
using Purple.Core.Commands;

namespace Purple.Core.Tests.Commands;

public class CommandCodecRoundTripTests
{
    public static TheoryData<int> SampleIndexes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < CommandSamples.All.Count; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(SampleIndexes))]
    public void Every_sample_round_trips(int index)
    {
        var command = CommandSamples.All[index];
        var encoded = CommandCodec.ToArray(command);
        var decoded = CommandCodec.Read(encoded);
        CommandSamples.AssertSameCommand(command, decoded);
        Assert.Equal(encoded, CommandCodec.ToArray(decoded));
    }

    [Fact]
    public void Every_record_type_has_samples_for_the_codec_tests()
    {
        var covered = CommandSamples.All.Select(c => c.GetType()).ToHashSet();
        foreach (var type in CommandSamples.RecordTypes)
            Assert.True(covered.Contains(type), $"{type.Name} has no sample in CommandSamples");
    }

    [Fact]
    public void Every_code_belongs_to_exactly_one_sampled_record()
    {
        var codes = CommandSamples.All.GroupBy(c => c.Code).ToDictionary(g => g.Key, g => g.Select(c => c.GetType()).Distinct().Count());
        foreach (var code in Enum.GetValues<CommandCode>())
        {
            Assert.True(codes.TryGetValue(code, out int types), $"{code} has no sample");
            Assert.Equal(1, types);
        }
    }

    [Fact]
    public void Layout_starts_with_the_little_endian_code_then_zigzag_varints()
    {
        var encoded = CommandCodec.ToArray(new IncrByCommand(-1, "k"u8.ToArray(), -64, IncrMode.MemcachedIncr));
        // code 5, Db -1 -> zigzag 1, key length 1, 'k', delta -64 -> zigzag 127, mode 1
        Assert.Equal(new byte[] { 5, 0, 1, 1, (byte)'k', 127, 1 }, encoded);

        encoded = CommandCodec.ToArray(new SetCommand(0, [], [], ExpiresAt: 64, ContentType: "a"));
        // code 1, db 0, key 0, value 0, expiresAt 64 -> zigzag 128 = 0x80 0x01, condition, options, flags, content type "a" (1+1), cas 0
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0x80, 0x01, 0, 0, 0, 2, (byte)'a', 0 }, encoded);
    }

    [Fact]
    public void Writes_large_values_in_chunks_through_a_small_segment_writer()
    {
        var value = new byte[100_000];
        new Random(1).NextBytes(value);
        var command = new SetCommand(0, "big"u8.ToArray(), value);
        var writer = new SmallSegmentWriter(17);
        CommandCodec.Write(command, writer);
        CommandSamples.AssertSameCommand(command, CommandCodec.Read(writer.ToArray()));
    }

    [Fact]
    public void MSet_with_mismatched_arrays_is_refused_on_write()
    {
        var command = new MSetCommand(0, [[1]], []);
        Assert.Throws<ArgumentException>(() => CommandCodec.ToArray(command));
    }

    /// <summary>An IBufferWriter that never offers more than it must, to prove callers cope with short spans.</summary>
    private sealed class SmallSegmentWriter(int chunk) : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public void Advance(int count) => _written.AddRange(_current.AsSpan(0, count).ToArray());

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, chunk)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] ToArray() => _written.ToArray();
    }
}
