using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Text;
using Purple.Core.Execution;

namespace Purple.Storage;

/// <summary>
/// A snapshot row's body (docs/storage.md, "Snapshot format"): kind byte (1 string, 2 set), int64 expiry (Unix ms, 0
/// none), then for a string uint32 memcached flags, int32 content-type length (-1 null) and its UTF-8, then the value
/// to the end; for a set int32 member count, then each member as int32 length and bytes. Little-endian. Pure: no I/O.
/// </summary>
public static class SnapshotRow
{
    private const byte StringKind = 1;
    private const byte SetKind = 2;

    public static StoredSnapshotRow Encode(in ImageEntry entry)
    {
        var body = new byte[BodyLength(entry)];
        WriteBody(entry, body);
        return new StoredSnapshotRow(entry.Db, entry.Key, body, Checksum(entry.Db, entry.Key, body));
    }

    /// <summary>The length of the entry's row body.</summary>
    public static int BodyLength(in ImageEntry entry)
    {
        if (entry.Members is { } members)
        {
            long size = 1 + 8 + 4;
            foreach (var member in members) size += 4 + member.Length;
            return checked((int)size);
        }
        var value = entry.String ?? throw new ArgumentException("An image entry is a string or a set.", nameof(entry));
        int typeLength = entry.ContentType is null ? 0 : Encoding.UTF8.GetByteCount(entry.ContentType);
        return checked(1 + 8 + 4 + 4 + typeLength + value.Length);
    }

    /// <summary>Writes the entry's row body into <paramref name="body"/>, which is <see cref="BodyLength"/> bytes.</summary>
    public static void WriteBody(in ImageEntry entry, Span<byte> body)
    {
        BinaryPrimitives.WriteInt64LittleEndian(body[1..], entry.ExpiresAt);
        if (entry.Members is { } members)
        {
            body[0] = SetKind;
            BinaryPrimitives.WriteInt32LittleEndian(body[9..], members.Length);
            int at = 13;
            foreach (var member in members)
            {
                BinaryPrimitives.WriteInt32LittleEndian(body[at..], member.Length);
                member.CopyTo(body[(at + 4)..]);
                at += 4 + member.Length;
            }
            return;
        }
        body[0] = StringKind;
        BinaryPrimitives.WriteUInt32LittleEndian(body[9..], entry.ClientFlags);
        int written = 17;
        if (entry.ContentType is { } contentType)
        {
            BinaryPrimitives.WriteInt32LittleEndian(body[13..], Encoding.UTF8.GetByteCount(contentType));
            written += Encoding.UTF8.GetBytes(contentType, body[written..]);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(body[13..], -1);
        }
        entry.String!.CopyTo(body[written..]);
    }

    public static uint Checksum(int db, byte[] key, ReadOnlySpan<byte> body) =>
        ~Crc32C.Append(Crc32C.Append(Crc32C.Append(Crc32C.Append(~0u, db), key.Length), key), body);

    /// <summary>Checks and decodes a row; false with <paramref name="problem"/> (never a value) when anything is wrong.</summary>
    public static bool TryDecode(in StoredSnapshotRow row, out ImageEntry entry, out string? problem) =>
        TryDecode(row.Db, row.Key, row.Body, row.Crc, out entry, out problem);

    /// <summary>A row read in place from its chunk: the body is a slice, never copied (values are, into their own arrays).</summary>
    // Recovery calls it up to millions of times within a second or two, mostly before tiered compilation would have
    // replaced its first, unoptimized code (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDecode(int db, byte[] key, ReadOnlySpan<byte> body, uint crc, out ImageEntry entry, out string? problem)
    {
        entry = default;
        problem = null;
        if (Checksum(db, key, body) != crc) { problem = "row checksum mismatch"; return false; }
        if (body.Length < 13) { problem = "row too short"; return false; }
        long expiresAt = BinaryPrimitives.ReadInt64LittleEndian(body[1..]);
        if (body[0] == SetKind)
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(body[9..]);
            // Each member takes at least its 4-byte length: a count the body cannot hold is refused before allocating.
            if (count < 0 || count > (body.Length - 13) / 4) { problem = "member count out of range"; return false; }
            var members = new byte[count][];
            int at = 13;
            for (int i = 0; i < count; i++)
            {
                if (body.Length - at < 4) { problem = "truncated member"; return false; }
                int length = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
                if (length < 0 || length > body.Length - at - 4) { problem = "member length out of range"; return false; }
                members[i] = body.Slice(at + 4, length).ToArray();
                at += 4 + length;
            }
            if (at != body.Length) { problem = "trailing bytes"; return false; }
            entry = new ImageEntry(db, key, null, members, expiresAt, 0, null);
            return true;
        }
        if (body[0] != StringKind || body.Length < 17) { problem = "unknown row kind"; return false; }
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(body[9..]);
        int typeLength = BinaryPrimitives.ReadInt32LittleEndian(body[13..]);
        if (typeLength < -1 || typeLength > body.Length - 17) { problem = "content type length out of range"; return false; }
        string? contentType = null;
        int valueAt = 17;
        if (typeLength >= 0)
        {
            try
            {
                contentType = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Slice(17, typeLength));
            }
            catch (DecoderFallbackException)
            {
                problem = "content type is not UTF-8";
                return false;
            }
            valueAt += typeLength;
        }
        entry = new ImageEntry(db, key, body[valueAt..].ToArray(), null, expiresAt, flags, contentType);
        return true;
    }
}
