using System.Text;
using Purple.Core.Commands;

namespace Purple.Storage.Tests;

/// <summary>The buffer journal records are encoded into as they are made: exact bytes, clean undo, bounded growth.</summary>
public class JournalBufferTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static void Fill(JournalBuffer buffer, int bytes, byte value)
    {
        var span = buffer.GetSpan(bytes);
        span[..bytes].Fill(value);
        buffer.Advance(bytes);
    }

    [Fact]
    public void What_was_written_survives_every_growth_and_truncate_drops_only_the_tail()
    {
        var buffer = new JournalBuffer();
        for (int i = 0; i < 300; i++) Fill(buffer, 1000, (byte)i);
        Assert.Equal(300_000, buffer.WrittenCount);
        for (int i = 0; i < 300; i++) Assert.True(buffer.WrittenSpan.Slice(i * 1000, 1000).IndexOfAnyExcept((byte)i) < 0, $"block {i} changed");
        buffer.Truncate(1500);
        Assert.Equal(1500, buffer.WrittenCount);
        Fill(buffer, 10, 0xEE);
        Assert.Equal((byte)1, buffer.WrittenSpan[1499]);
        Assert.Equal(0xEE, buffer.WrittenSpan[1500]);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Truncate(buffer.WrittenCount + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(buffer.Capacity));
    }

    [Fact]
    public void A_grown_buffer_is_kept_through_small_batches_and_halved_only_after_a_long_quiet_run()
    {
        var buffer = new JournalBuffer();
        Fill(buffer, 4 << 20, 1);
        int grown = buffer.Capacity;
        buffer.Clear();
        Assert.Equal(0, buffer.WrittenCount);
        // A batch that fills a good part of it resets the count: a backlog that comes back keeps its room.
        for (int i = 0; i < 999; i++)
        {
            Fill(buffer, 100, 2);
            buffer.Clear();
        }
        Fill(buffer, grown / 2, 3);
        buffer.Clear();
        for (int i = 0; i < 999; i++)
        {
            Fill(buffer, 100, 2);
            buffer.Clear();
        }
        Assert.Equal(grown, buffer.Capacity);
        Fill(buffer, 100, 2);
        buffer.Clear();
        Assert.Equal(grown / 2, buffer.Capacity);
    }

    [Fact]
    public void A_command_that_fails_to_encode_leaves_the_records_before_it_intact()
    {
        var body = new JournalBuffer();
        JournalBatch.WriteRecord(body, 1000, new SetCommand(0, B("a"), B("1")));
        int before = body.WrittenCount;
        // The codec writes the command's code before it finds the lengths differ.
        Assert.Throws<ArgumentException>(() => JournalBatch.WriteRecord(body, 1001, new MSetCommand(0, [B("x"), B("y")], [B("1")])));
        Assert.Equal(before, body.WrittenCount);
        JournalBatch.WriteRecord(body, 1002, new IncrByCommand(0, B("n"), 5));
        var records = new List<JournalRecord>();
        uint crc = JournalBatch.Checksum(7, 8, body.WrittenSpan);
        Assert.True(JournalBatch.TryRead(7, 8, crc, body.WrittenSpan, records, out string? problem), problem);
        Assert.Equal([1000L, 1002L], records.Select(r => r.Now));
        Assert.Equal(JournalBatch.RecordEnd(body.WrittenSpan, 0), before);
    }
}
