using System.Runtime.CompilerServices;
using System.Buffers;
using System.Buffers.Binary;
using Purple.Core.Execution;

namespace Purple.Storage;

/// <summary>
/// Many snapshot rows in one stored chunk (docs/storage.md, "Snapshot format"), so a million keys are a thousand
/// inserts, not a million: per row int32 database, int32 key length, key, int32 body length, body
/// (<see cref="SnapshotRow"/>), uint32 the row's own CRC; the chunk carries a CRC-32C of all of it. Pure: no I/O.
/// </summary>
public static class SnapshotChunk
{
    /// <summary>Rows per chunk unless the chunk grows past <see cref="MaxBytes"/> first.</summary>
    public const int MaxRows = 1024;
    public const int MaxBytes = 1 << 20;

    /// <summary>
    /// Chunks of the image's entries, in order; <paramref name="rows"/> counts the keys written. Each chunk is a view of
    /// one buffer, reused for the next (a snapshot of a million keys would otherwise be a hundred large-object arrays,
    /// and a full collection each time): write or copy a chunk before asking for the next.
    /// </summary>
    public static IEnumerable<StoredSnapshotChunk> Encode(IEnumerable<ImageEntry> entries, Action<int>? rows = null)
    {
        var body = new ArrayBufferWriter<byte>(MaxBytes + 4096);
        int count = 0;
        foreach (var entry in entries)
        {
            // The row goes straight into the chunk: int32 db, int32 key length, key, int32 body length, body, CRC.
            int bodyLength = SnapshotRow.BodyLength(entry);
            int keyLength = entry.Key.Length;
            int rowLength = checked(16 + keyLength + bodyLength);
            var span = body.GetSpan(rowLength)[..rowLength];
            BinaryPrimitives.WriteInt32LittleEndian(span, entry.Db);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], keyLength);
            entry.Key.CopyTo(span[8..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(8 + keyLength)..], bodyLength);
            var rowBody = span.Slice(12 + keyLength, bodyLength);
            SnapshotRow.WriteBody(entry, rowBody);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(12 + keyLength + bodyLength)..], SnapshotRow.Checksum(entry.Db, entry.Key, rowBody));
            body.Advance(rowLength);
            count++;
            if (count == MaxRows || body.WrittenCount >= MaxBytes)
            {
                rows?.Invoke(count);
                yield return Seal(body);
                body.ResetWrittenCount();
                count = 0;
            }
        }
        if (count > 0)
        {
            rows?.Invoke(count);
            yield return Seal(body);
        }
    }

    private static StoredSnapshotChunk Seal(ArrayBufferWriter<byte> body) => new(body.WrittenMemory, Crc32C.Compute(body.WrittenSpan));

    /// <summary>Checks a chunk and decodes every row into <paramref name="output"/>; false with a reason (never a value) at the first problem.</summary>
    // Recovery calls it up to millions of times within a second or two, mostly before tiered compilation would have
    // replaced its first, unoptimized code (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryDecode(in StoredSnapshotChunk chunk, List<ImageEntry> output, out string? problem)
    {
        problem = null;
        if (Crc32C.Compute(chunk.Body.Span) != chunk.Crc)
        {
            problem = "chunk checksum mismatch";
            return false;
        }
        var body = chunk.Body.Span;
        int start = output.Count;
        while (body.Length > 0)
        {
            if (!TryField(ref body, out int db) || !TryBytes(ref body, out var key) || !TrySlice(ref body, out var rowBody) || body.Length < 4)
            {
                problem = "truncated row";
                break;
            }
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(body);
            body = body[4..];
            if (!SnapshotRow.TryDecode(db, key, rowBody, crc, out var entry, out problem)) break;
            output.Add(entry);
        }
        if (problem is not null) output.RemoveRange(start, output.Count - start);
        return problem is null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryField(ref ReadOnlySpan<byte> body, out int value)
    {
        value = 0;
        if (body.Length < 4) return false;
        value = BinaryPrimitives.ReadInt32LittleEndian(body);
        body = body[4..];
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryBytes(ref ReadOnlySpan<byte> body, out byte[] bytes)
    {
        bytes = [];
        if (!TrySlice(ref body, out var slice)) return false;
        bytes = slice.ToArray();
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TrySlice(ref ReadOnlySpan<byte> body, out ReadOnlySpan<byte> slice)
    {
        slice = default;
        if (!TryField(ref body, out int length) || length < 0 || length > body.Length) return false;
        slice = body[..length];
        body = body[length..];
        return true;
    }
}
