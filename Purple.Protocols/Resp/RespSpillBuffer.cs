using System.Buffers;

namespace Purple.Protocols.Resp;

/// <summary>
/// Request bytes moved out of the transport pipe because one frame is larger than the pipe may hold.
/// The transport's read buffer is bounded (<see cref="RespConnectionHandler.TransportReadBufferBytes"/>)
/// so a fast pipelining client cannot park its whole stream in server memory; but a pipe whose writer is
/// paused while its reader waits for the rest of an oversized frame would deadlock. The handler therefore
/// copies such a frame here, which empties the pipe and lets the transport keep reading. The buffer is
/// rented only while it holds bytes and returned as soon as the parser has consumed them all.
/// </summary>
internal sealed class RespSpillBuffer
{
    /// <summary>Redis's default client-query-buffer-limit: a client that needs more is disconnected.</summary>
    public const int MaxBytes = 1 << 30;

    private byte[] _data = [];
    private int _start;
    private int _end;

    public bool IsEmpty => _end == _start;

    public ReadOnlySequence<byte> Pending => new(_data, _start, _end - _start);

    /// <summary>Appends <paramref name="bytes"/>; false when the total would pass <see cref="MaxBytes"/>.</summary>
    public bool TryAppend(ReadOnlySequence<byte> bytes)
    {
        long needed = _end - _start + bytes.Length;
        if (needed > MaxBytes) return false;
        if (_end + bytes.Length > _data.Length) Grow((int)needed);
        bytes.CopyTo(_data.AsSpan(_end));
        _end += (int)bytes.Length;
        return true;
    }

    public void Consume(long count)
    {
        _start += (int)count;
        if (_start == _end) Release();
    }

    public void Release()
    {
        if (_data.Length > 0) ArrayPool<byte>.Shared.Return(_data);
        _data = [];
        _start = _end = 0;
    }

    private void Grow(int needed)
    {
        if (needed <= _data.Length)
        {
            // Room enough once the consumed prefix is dropped.
            _data.AsSpan(_start, _end - _start).CopyTo(_data);
            _end -= _start;
            _start = 0;
            return;
        }
        // Doubling keeps a frame arriving in many small reads at O(n) copying overall.
        int size = (int)Math.Min(MaxBytes, Math.Max(needed, 2L * _data.Length));
        var fresh = ArrayPool<byte>.Shared.Rent(size);
        _data.AsSpan(_start, _end - _start).CopyTo(fresh);
        if (_data.Length > 0) ArrayPool<byte>.Shared.Return(_data);
        _end -= _start;
        _start = 0;
        _data = fresh;
    }
}
