using System.Buffers;

namespace Purple.Storage;

/// <summary>
/// A growable byte buffer that journal records are encoded into (<see cref="JournalBatch.WriteRecord"/>). Unlike
/// <see cref="ArrayBufferWriter{T}"/> it can drop a record it was half-way through (<see cref="Truncate"/>) and patch a
/// header written earlier (<see cref="Written"/>). Reused batch after batch, so the journal allocates nothing per
/// record; after a backlog it gives back what it grew to, a half at a time (<see cref="Clear"/>). Not thread-safe.
/// </summary>
public sealed class JournalBuffer : IBufferWriter<byte>
{
    /// <summary>Batches in a row that used under a quarter of the buffer before it gives back half: a second or more of
    /// writes at one batch a millisecond. Shrinking at the first small batch instead made a buffer that a checkpoint's
    /// stall had grown shrink and grow again, a large-object allocation each time (gen-2 collections).</summary>
    private const int QuietBatchesBeforeShrinking = 1000;

    private const int InitialBytes = 64 * 1024;

    private byte[] _buffer = new byte[InitialBytes];
    private int _count;
    private int _quietBatches;

    public int WrittenCount => _count;

    internal int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _count);

    /// <summary>What was written so far, writable: for a header reserved before its record's length was known.</summary>
    public Span<byte> Written => _buffer.AsSpan(0, _count);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _count)) throw new ArgumentOutOfRangeException(nameof(count));
        _count += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_count);
    }

    /// <summary>Forgets everything written from <paramref name="length"/> on.</summary>
    public void Truncate(int length)
    {
        if ((uint)length > (uint)_count) throw new ArgumentOutOfRangeException(nameof(length));
        _count = length;
    }

    /// <summary>Empties the buffer, shrinking it once a backlog that made it large is long over.</summary>
    public void Clear()
    {
        if (_buffer.Length > InitialBytes && _count < _buffer.Length / 4)
        {
            if (++_quietBatches >= QuietBatchesBeforeShrinking)
            {
                _buffer = new byte[Math.Max(InitialBytes, _buffer.Length / 2)];
                _quietBatches = 0;
            }
        }
        else
        {
            _quietBatches = 0;
        }
        _count = 0;
    }

    private void Reserve(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _count >= needed) return;
        long size = Math.Max((long)_buffer.Length * 2, (long)_count + needed);
        if (size > Array.MaxLength) size = Math.Max(Array.MaxLength, _count + needed);
        Array.Resize(ref _buffer, checked((int)size));
    }
}
