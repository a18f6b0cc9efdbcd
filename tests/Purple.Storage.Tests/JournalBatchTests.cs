using System.Buffers;
using System.Text;
using Purple.Core.Commands;

namespace Purple.Storage.Tests;

/// <summary>The stored form of a group commit: it reads back exactly, and any damage is reported, never decoded.</summary>
public class JournalBatchTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static (byte[] Body, WriteCommand[] Commands) Batch()
    {
        WriteCommand[] commands =
        [
            new SetCommand(0, B("a"), B("1"), 123, ClientFlags: 7, ContentType: "text/plain"),
            new IncrByCommand(1, B("n"), -5),
            new SAddCommand(2, B("s"), [B("x"), B("y")]),
            new DeleteCommand(0, [B("a"), B("b")]),
            new FlushAllCommand(),
        ];
        var body = new JournalBuffer();
        for (int i = 0; i < commands.Length; i++) JournalBatch.WriteRecord(body, 1000 + i, commands[i]);
        return (body.WrittenSpan.ToArray(), commands);
    }

    [Fact]
    public void A_record_framed_from_its_encoded_form_is_the_record_framed_from_the_command()
    {
        var (body, commands) = Batch();
        var framed = new JournalBuffer();
        for (int i = 0; i < commands.Length; i++) JournalBatch.WriteEncodedRecord(framed, 1000 + i, CommandCodec.ToArray(commands[i]));
        Assert.Equal(body, framed.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_batch_reads_back_with_its_sequence_numbers_times_and_commands()
    {
        var (body, commands) = Batch();
        uint crc = JournalBatch.Checksum(10, 14, body);
        var records = new List<JournalRecord>();
        Assert.True(JournalBatch.TryRead(10, 14, crc, body, records, out string? problem), problem);
        Assert.Equal([10L, 11, 12, 13, 14], records.Select(r => r.Sequence));
        Assert.Equal([1000L, 1001, 1002, 1003, 1004], records.Select(r => r.Now));
        for (int i = 0; i < commands.Length; i++)
        {
            Assert.Equal(CommandCodec.ToArray(commands[i]), CommandCodec.ToArray(records[i].Command));
        }
    }

    [Fact]
    public void Every_flipped_bit_of_the_body_is_detected()
    {
        var (body, _) = Batch();
        uint crc = JournalBatch.Checksum(1, 5, body);
        for (int i = 0; i < body.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])body.Clone();
                damaged[i] ^= (byte)(1 << bit);
                var records = new List<JournalRecord>();
                Assert.False(JournalBatch.TryRead(1, 5, crc, damaged, records, out string? problem));
                Assert.Equal("checksum mismatch", problem);
                Assert.Empty(records);
            }
        }
    }

    [Fact]
    public void A_body_cut_at_any_length_is_refused_and_adds_nothing()
    {
        var (body, _) = Batch();
        for (int length = 0; length < body.Length; length++)
        {
            var cut = body.AsSpan(0, length).ToArray();
            var records = new List<JournalRecord> { new(0, 0, new FlushAllCommand()) };
            // With a checksum that matches the cut body, the framing itself must catch the loss.
            Assert.False(JournalBatch.TryRead(1, 5, JournalBatch.Checksum(1, 5, cut), cut, records, out string? problem));
            Assert.NotNull(problem);
            Assert.Single(records);
        }
    }

    [Fact]
    public void A_range_that_does_not_match_the_records_is_refused()
    {
        var (body, _) = Batch();
        var records = new List<JournalRecord>();
        Assert.False(JournalBatch.TryRead(1, 6, JournalBatch.Checksum(1, 6, body), body, records, out string? fewer));
        Assert.Equal("fewer records than the sequence range", fewer);
        Assert.False(JournalBatch.TryRead(1, 4, JournalBatch.Checksum(1, 4, body), body, records, out string? more));
        Assert.Equal("more records than the sequence range", more);
        Assert.False(JournalBatch.TryRead(1, 5, JournalBatch.Checksum(2, 6, body), body, records, out string? moved));
        Assert.Equal("checksum mismatch", moved);
        Assert.Empty(records);
    }
}
