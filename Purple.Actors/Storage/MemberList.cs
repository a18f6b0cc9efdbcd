namespace Purple.Actors.Storage;

/// <summary>
/// The members of one write: a command's arrays (kept as they are when added) or slices of a request's bytes
/// (copied when added).
/// </summary>
internal readonly ref struct MemberList
{
    private readonly byte[][]? _arrays;
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly ReadOnlySpan<Range> _ranges;

    private MemberList(byte[][]? arrays, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> ranges)
    {
        _arrays = arrays;
        _buffer = buffer;
        _ranges = ranges;
    }

    public static MemberList Of(byte[][] arrays) => new(arrays, default, default);

    public static MemberList Of(ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> ranges) => new(null, buffer, ranges);

    public int Count => _arrays?.Length ?? _ranges.Length;

    public ReadOnlySpan<byte> this[int index] => _arrays is { } arrays ? arrays[index] : _buffer[_ranges[index]];

    /// <summary>The member as an array to keep, or null when it is a slice to copy.</summary>
    public byte[]? ArrayAt(int index) => _arrays?[index];
}
