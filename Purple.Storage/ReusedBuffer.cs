namespace Purple.Storage;

/// <summary>
/// One array that each stored row's blob is copied into in turn, grown as needed, so reading back a journal or a
/// snapshot allocates nothing per row: a row's bytes are valid until the next row. Not thread-safe.
/// </summary>
internal sealed class ReusedBuffer
{
    private byte[] _array = [];

    /// <summary>The buffer, at least <paramref name="length"/> bytes long, for a reader that copies into it itself.</summary>
    public byte[] Reserve(int length)
    {
        if (length > _array.Length) _array = new byte[Math.Max(length, (int)Math.Min(2L * _array.Length, Array.MaxLength))];
        return _array;
    }

    public ReadOnlyMemory<byte> Hold(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        return _array.AsMemory(0, bytes.Length);
    }
}
