using System.Runtime.CompilerServices;
using System.Buffers;
using System.Buffers.Binary;
using Purple.Core.Commands;

namespace Purple.Storage;

/// <summary>One recorded write: its journal position, the time it was applied at (Unix ms), and the command.</summary>
public readonly record struct JournalRecord(long Sequence, long Now, WriteCommand Command);

/// <summary>
/// The stored form of one group commit: records <c>First..Last</c> (consecutive sequence numbers) in one body, with a
/// CRC-32C over the sequence range and the body. Body = per record: int32 length of the command bytes, int64 time,
/// then <see cref="CommandCodec"/> bytes (docs/storage.md, "Journal format"). Pure: no I/O.
/// </summary>
public static class JournalBatch
{
    private const int RecordHeader = 12;

    /// <summary>Appends one record's frame to <paramref name="body"/>; a command that fails to encode leaves nothing.</summary>
    public static void WriteRecord(JournalBuffer body, long now, WriteCommand command)
    {
        int start = body.WrittenCount;
        body.GetSpan(RecordHeader);
        body.Advance(RecordHeader);
        try
        {
            CommandCodec.Write(command, body);
        }
        catch
        {
            body.Truncate(start);
            throw;
        }
        // The header was reserved before the command was written; patch it in place.
        Span<byte> header = body.Written.Slice(start, RecordHeader);
        BinaryPrimitives.WriteInt32LittleEndian(header, body.WrittenCount - start - RecordHeader);
        BinaryPrimitives.WriteInt64LittleEndian(header[4..], now);
    }

    /// <summary>Appends one record's frame around a command already in its <see cref="CommandCodec"/> form.</summary>
    public static void WriteEncodedRecord(JournalBuffer body, long now, ReadOnlySpan<byte> command)
    {
        var frame = body.GetSpan(RecordHeader + command.Length);
        BinaryPrimitives.WriteInt32LittleEndian(frame, command.Length);
        BinaryPrimitives.WriteInt64LittleEndian(frame[4..], now);
        command.CopyTo(frame[RecordHeader..]);
        body.Advance(RecordHeader + command.Length);
    }

    /// <summary>Where the record starting at <paramref name="offset"/> of a body this process wrote ends.</summary>
    public static int RecordEnd(ReadOnlySpan<byte> body, int offset) =>
        offset + RecordHeader + BinaryPrimitives.ReadInt32LittleEndian(body[offset..]);

    public static uint Checksum(long first, long last, ReadOnlySpan<byte> body) =>
        ~Crc32C.Append(Crc32C.Append(Crc32C.Append(~0u, first), last), body);

    /// <summary>
    /// Decodes a stored batch, checking its checksum, that it holds exactly <c>last - first + 1</c> records and that each
    /// decodes. Returns false (with <paramref name="problem"/>, never a value) at the first thing wrong.
    /// </summary>
    // Recovery calls it up to millions of times within a second or two, mostly before tiered compilation would have
    // replaced its first, unoptimized code (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryRead(long first, long last, uint crc, ReadOnlySpan<byte> body, List<JournalRecord> output, out string? problem)
    {
        problem = null;
        if (last < first) { problem = "sequence range is reversed"; return false; }
        if (Checksum(first, last, body) != crc) { problem = "checksum mismatch"; return false; }
        int added = 0;
        long sequence = first;
        while (body.Length > 0)
        {
            if (body.Length < RecordHeader) { problem = "truncated record header"; break; }
            int length = BinaryPrimitives.ReadInt32LittleEndian(body);
            long now = BinaryPrimitives.ReadInt64LittleEndian(body[4..]);
            if (length < 0 || length > body.Length - RecordHeader) { problem = "record length out of range"; break; }
            if (sequence > last) { problem = "more records than the sequence range"; break; }
            try
            {
                output.Add(new JournalRecord(sequence, now, CommandCodec.Read(body.Slice(RecordHeader, length))));
            }
            catch (CommandCodecException ex)
            {
                problem = "record does not decode: " + ex.Message;
                break;
            }
            added++;
            sequence++;
            body = body[(RecordHeader + length)..];
        }
        if (problem is null && sequence != last + 1) problem = "fewer records than the sequence range";
        if (problem is not null) output.RemoveRange(output.Count - added, added);
        return problem is null;
    }
}
