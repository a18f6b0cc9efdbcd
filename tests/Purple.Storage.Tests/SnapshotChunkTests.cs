using System.Text;
using Purple.Core.Execution;

namespace Purple.Storage.Tests;

/// <summary>Chunks as a snapshot writes them: every row back, in order, from chunks that each reuse one buffer.</summary>
public class SnapshotChunkTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string Describe(ImageEntry x) =>
        $"{x.Db}/{Convert.ToHexString(x.Key)}={(x.String is { } s ? Convert.ToHexString(s) : string.Join(",", x.Members!.Select(Convert.ToHexString)))}" +
        $"@{x.ExpiresAt}/{x.ClientFlags}/{x.ContentType}";

    [Fact]
    public void Chunks_each_taken_before_the_next_decode_back_to_every_entry_in_order()
    {
        var rng = new Random(7);
        var entries = new List<ImageEntry>();
        for (int i = 0; i < 5000; i++)
        {
            entries.Add((i % 7) switch
            {
                0 => new ImageEntry(i % 16, B("set" + i), null, [B("a" + i), B(""), B("m")], i, 0, null),
                1 => new ImageEntry(3, B("typed" + i), B("{\"n\":" + i + "}"), null, 0, (uint)i, "application/json; charset=é"),
                // A value larger than a whole chunk: its chunk holds it alone, past the usual size.
                2 when i == 2000 => new ImageEntry(0, B("huge"), new byte[3 * SnapshotChunk.MaxBytes], null, 0, 0, null),
                _ => new ImageEntry(0, B("k" + i), B(new string('v', rng.Next(0, 3000))), null, 0, 0, null),
            });
        }

        var decoded = new List<ImageEntry>();
        int chunks = 0;
        int rows = 0;
        foreach (var chunk in SnapshotChunk.Encode(entries, n => rows += n))
        {
            chunks++;
            int before = decoded.Count;
            Assert.True(SnapshotChunk.TryDecode(chunk, decoded, out string? problem), problem);
            Assert.InRange(decoded.Count - before, 1, SnapshotChunk.MaxRows);
            // Past MaxBytes only by its last row.
            var last = SnapshotRow.Encode(decoded[^1]);
            Assert.True(chunk.Body.Length < SnapshotChunk.MaxBytes + 16 + last.Key.Length + last.Body.Length, $"a chunk of {chunk.Body.Length} bytes");
        }

        Assert.Equal(entries.Select(Describe), decoded.Select(Describe));
        Assert.Equal(entries.Count, rows);
        Assert.True(chunks > 5, $"{chunks} chunks");
    }

    [Fact]
    public void A_row_in_a_chunk_is_the_row_on_its_own_with_the_same_checksum()
    {
        var entry = new ImageEntry(5, B("key"), B("value"), null, 1_800_000_000_000, 9, "text/plain");
        var chunk = Assert.Single(SnapshotChunk.Encode([entry]));
        var row = SnapshotRow.Encode(entry);
        var expected = new byte[16 + row.Key.Length + row.Body.Length];
        BitConverter.TryWriteBytes(expected.AsSpan(0), row.Db);
        BitConverter.TryWriteBytes(expected.AsSpan(4), row.Key.Length);
        row.Key.CopyTo(expected, 8);
        BitConverter.TryWriteBytes(expected.AsSpan(8 + row.Key.Length), row.Body.Length);
        row.Body.CopyTo(expected, 12 + row.Key.Length);
        BitConverter.TryWriteBytes(expected.AsSpan(12 + row.Key.Length + row.Body.Length), row.Crc);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(chunk.Body.Span));
    }
}
