namespace Purple.Actors.Storage;

/// <summary>
/// The pairs of one MSET: a command's key and value arrays (kept as they are) or slices of a request's bytes, key,
/// value, key, value, … (copied when kept).
/// </summary>
internal readonly ref struct KeyValueList
{
    private readonly byte[][]? _keys;
    private readonly byte[][]? _values;
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly ReadOnlySpan<Range> _ranges;

    private KeyValueList(byte[][]? keys, byte[][]? values, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> ranges)
    {
        _keys = keys;
        _values = values;
        _buffer = buffer;
        _ranges = ranges;
    }

    public static KeyValueList Of(byte[][] keys, byte[][] values) => new(keys, values, default, default);

    public static KeyValueList Of(ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> keysAndValues) => new(null, null, buffer, keysAndValues);

    public int Count => _keys?.Length ?? _ranges.Length / 2;

    public ReadOnlySpan<byte> Key(int index) => _keys is { } keys ? keys[index] : _buffer[_ranges[2 * index]];

    public ReadOnlySpan<byte> Value(int index) => _values is { } values ? values[index] : _buffer[_ranges[2 * index + 1]];

    public StringWrite Write(int index, bool adoptValue) =>
        StringWrite.Plain(Key(index), _keys?[index], Value(index), _values?[index], adoptValue);
}
