using System.Text;
using Purple.Core.Execution;

namespace Purple.Storage.Tests;

public class SnapshotRowTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    public static TheoryData<string> Kinds() => ["string", "flagged", "set", "empty-key", "empty-value"];

    private static ImageEntry Sample(string kind) => kind switch
    {
        "string" => new ImageEntry(0, B("k"), B("value"), null, 0, 0, null),
        "flagged" => new ImageEntry(3, B("k2"), B("{}"), null, 1_800_000_000_000, 0xDEADBEEF, "application/json; charset=é"),
        "set" => new ImageEntry(15, B("s"), null, [B("a"), B(""), B("ccc")], 42, 0, null),
        "empty-key" => new ImageEntry(1, [], B("v"), null, 0, 0, null),
        _ => new ImageEntry(2, B("e"), [], null, 0, 1, ""),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_row_decodes_to_the_entry_it_was_made_from(string kind)
    {
        var entry = Sample(kind);
        var row = SnapshotRow.Encode(entry);
        Assert.True(SnapshotRow.TryDecode(row, out var back, out string? problem), problem);
        Assert.Equal(entry.Db, back.Db);
        Assert.Equal(entry.Key, back.Key);
        Assert.Equal(entry.String, back.String);
        Assert.Equal(entry.Members?.Select(Convert.ToHexString), back.Members?.Select(Convert.ToHexString));
        Assert.Equal(entry.ExpiresAt, back.ExpiresAt);
        Assert.Equal(entry.ClientFlags, back.ClientFlags);
        Assert.Equal(entry.ContentType, back.ContentType);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Any_damaged_byte_of_body_key_or_database_is_detected(string kind)
    {
        var row = SnapshotRow.Encode(Sample(kind));
        for (int i = 0; i < row.Body.Length; i++)
        {
            var body = (byte[])row.Body.Clone();
            body[i] ^= 0x41;
            Assert.False(SnapshotRow.TryDecode(row with { Body = body }, out _, out _));
        }
        for (int i = 0; i < row.Key.Length; i++)
        {
            var key = (byte[])row.Key.Clone();
            key[i] ^= 0x01;
            Assert.False(SnapshotRow.TryDecode(row with { Key = key }, out _, out _));
        }
        Assert.False(SnapshotRow.TryDecode(row with { Db = row.Db + 1 }, out _, out _));
    }
}
