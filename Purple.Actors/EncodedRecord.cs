using System.Buffers;
using Purple.Core.Execution;

namespace Purple.Actors;

/// <summary>
/// The codec form of a write taken from a request's bytes, on its way to the journal: encoded into a per-thread buffer
/// before the lock (<see cref="Output"/>), handed over under it (<see cref="Submit"/>). Without a journal there is no
/// buffer and both do nothing.
/// </summary>
internal ref struct EncodedRecord
{
    // One per thread, reused write after write; one a huge MSET grew is let go rather than kept by the thread.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    private const int KeepBufferUpTo = 64 * 1024;

    private readonly IWriteJournal? _journal;
    private ArrayBufferWriter<byte>? _buffer;

    private EncodedRecord(IWriteJournal journal)
    {
        _journal = journal;
        // Taken from the thread while in use, so a nested write (none today) would get a buffer of its own.
        _buffer = t_buffer ?? new ArrayBufferWriter<byte>(256);
        t_buffer = null;
        _buffer.ResetWrittenCount();
    }

    public static EncodedRecord For(IWriteJournal? journal) => journal is null ? default : new EncodedRecord(journal);

    /// <summary>Where to encode the record; null when there is no journal.</summary>
    public readonly IBufferWriter<byte>? Output => _buffer;

    /// <summary>Hands the record to the journal: call under the lock(s) the write applied under.</summary>
    public readonly void Submit(long now)
    {
        if (_buffer is not null) _journal!.RecordEncoded(now, _buffer.WrittenSpan);
    }

    public void Dispose()
    {
        if (_buffer is { Capacity: <= KeepBufferUpTo }) t_buffer = _buffer;
        _buffer = null;
    }
}
