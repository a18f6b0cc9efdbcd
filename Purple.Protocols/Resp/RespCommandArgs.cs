using System.Text;

namespace Purple.Protocols.Resp;

/// <summary>
/// Arguments of one parsed request, copied into a reusable per-connection arena (no allocation per command
/// once warmed up). Spans returned by the indexer are valid until the next parse or <see cref="Clear"/>.
/// Not thread-safe: one instance per connection.
/// </summary>
public sealed class RespCommandArgs
{
    internal const int InitialArenaSize = 4096;
    private const int InitialSlots = 16;
    // One huge request must not pin its memory for the rest of the connection's life.
    internal const int ShrinkArenaAbove = 1024 * 1024;
    private const int ShrinkSlotsAbove = 64 * 1024;

    private byte[] _arena = new byte[InitialArenaSize];
    private int[] _starts = new int[InitialSlots];
    private int[] _lengths = new int[InitialSlots];
    // Where each bulk sits in the parsed buffer, recorded before the frame is known to be whole.
    private long[] _sourceOffsets = new long[InitialSlots];
    private Range[] _slices = new Range[InitialSlots];

    public int Count { get; private set; }

    public bool IsInline { get; private set; }

    internal int ArenaCapacity => _arena.Length;

    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            CheckIndex(index);
            return new ReadOnlySpan<byte>(_arena, _starts[index], _lengths[index]);
        }
    }

    /// <summary>The bytes every argument is a slice of, for a store call that takes slices (<see cref="Slices"/>).</summary>
    public ReadOnlySpan<byte> Buffer => _arena;

    /// <summary>
    /// Where arguments <paramref name="first"/> to the last sit in <see cref="Buffer"/>, in a reusable array (valid
    /// until the next call or parse).
    /// </summary>
    public ReadOnlySpan<Range> Slices(int first)
    {
        if ((uint)first > (uint)Count) throw new ArgumentOutOfRangeException(nameof(first), first, $"Only {Count} arguments");
        int count = Count - first;
        if (_slices.Length < count) _slices = new Range[Math.Max(count, _slices.Length * 2)];
        for (int i = 0; i < count; i++)
        {
            int start = _starts[first + i];
            _slices[i] = new Range(start, start + _lengths[first + i]);
        }
        return _slices.AsSpan(0, count);
    }

    /// <summary>An owned copy, for keys and values that outlive the request.</summary>
    public byte[] ToArray(int index) => this[index].ToArray();

    /// <summary>ASCII case-insensitive comparison against an upper-case literal, e.g. <c>EqualsIgnoreCase(1, "NX"u8)</c>.</summary>
    public bool EqualsIgnoreCase(int index, ReadOnlySpan<byte> asciiUpper) => Ascii.EqualsIgnoreCase(this[index], asciiUpper);

    public void Clear()
    {
        Count = 0;
        IsInline = false;
        if (_arena.Length > ShrinkArenaAbove) _arena = new byte[InitialArenaSize];
        if (_starts.Length > ShrinkSlotsAbove) ResetSlots();
        if (_slices.Length > ShrinkSlotsAbove) _slices = new Range[InitialSlots];
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append('"').Append(Encoding.UTF8.GetString(this[i])).Append('"');
        }
        return sb.ToString();
    }

    internal void Begin(bool inline)
    {
        Count = 0;
        IsInline = inline;
        if (_starts.Length > ShrinkSlotsAbove) ResetSlots();
    }

    /// <summary>Records where bulk <paramref name="index"/> sits in the source while the frame is validated.</summary>
    internal void Stage(int index, long sourceOffset, int length)
    {
        if (index >= _starts.Length) GrowSlots(index + 1);
        _sourceOffsets[index] = sourceOffset;
        _lengths[index] = length;
    }

    internal long SourceOffset(int index) => _sourceOffsets[index];

    internal int StagedLength(int index) => _lengths[index];

    /// <summary>
    /// Makes room for <paramref name="total"/> bytes, growing by doubling, or shrinking back after a huge
    /// request, and returns the arena to fill from offset 0.
    /// </summary>
    internal Span<byte> PrepareArena(int total)
    {
        if (_arena.Length < total)
        {
            long doubled = Math.Max((long)_arena.Length * 2, total);
            _arena = new byte[(int)Math.Min(doubled, Array.MaxLength)];
        }
        else if (_arena.Length > ShrinkArenaAbove && total <= ShrinkArenaAbove / 2)
        {
            _arena = new byte[Math.Max(InitialArenaSize, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)total))];
        }
        return _arena;
    }

    /// <summary>Sets argument <paramref name="index"/> to an arena slice (after <see cref="PrepareArena"/>).</summary>
    internal void SetSlice(int index, int start, int length)
    {
        if (index >= _starts.Length) GrowSlots(index + 1);
        _starts[index] = start;
        _lengths[index] = length;
    }

    internal void Commit(int count) => Count = count;

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"Only {Count} arguments");
    }

    private void GrowSlots(int needed)
    {
        int size = Math.Max(_starts.Length * 2, needed);
        Array.Resize(ref _starts, size);
        Array.Resize(ref _lengths, size);
        Array.Resize(ref _sourceOffsets, size);
    }

    private void ResetSlots()
    {
        _starts = new int[InitialSlots];
        _lengths = new int[InitialSlots];
        _sourceOffsets = new long[InitialSlots];
        _slices = new Range[InitialSlots];
    }
}
