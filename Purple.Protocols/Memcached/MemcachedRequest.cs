namespace Purple.Protocols.Memcached;

/// <summary>
/// One decoded request: the command line split into space-separated tokens (token 0 is the command
/// name) and, for store commands, the data block. One instance per connection, reused for every
/// request; the decoder fills it and the session reads it before the next decode. Not thread-safe.
/// </summary>
public sealed class MemcachedRequest
{
    private byte[] _line = new byte[256];
    private int _lineLength;
    private int[] _starts = new int[16];
    private int[] _lengths = new int[16];

    public MemcachedCommand Command { get; internal set; }

    public int TokenCount { get; private set; }

    /// <summary>The data block of a store command, an array of exactly the declared length that the
    /// request owns (so the engine may keep it); null for other commands and for <see cref="Error"/>.</summary>
    public byte[]? Value { get; internal set; }

    /// <summary>
    /// Set when the request cannot run and the decoder already knows memcached's reply (e.g.
    /// "CLIENT_ERROR bad data chunk"); the session writes it and nothing else happens.
    /// </summary>
    public string? Error { get; internal set; }

    /// <summary>
    /// A store whose declared length is over the item size limit: memcached answers
    /// "SERVER_ERROR object too large for cache", drops the key's old value and discards the data block.
    /// </summary>
    public bool TooLarge { get; internal set; }

    /// <summary>
    /// A retrieval line too long to hold at once is decoded in pieces, each a whole "get k1 k2 …" request;
    /// true on every piece but the last, so only the last one ends with "END".
    /// </summary>
    public bool Continues { get; internal set; }

    /// <summary>True on the second and later pieces of a retrieval line (see <see cref="Continues"/>).</summary>
    public bool IsContinuation { get; internal set; }

    /// <summary>Classic store commands: the parsed flags, exptime, declared length and (cas) unique.</summary>
    public uint ClientFlags { get; internal set; }

    public long Exptime { get; internal set; }

    public ulong CasUnique { get; internal set; }

    /// <summary>Declared data length of a store command (classic or ms).</summary>
    public int DataLength { get; internal set; }

    public ReadOnlySpan<byte> this[int index] => (uint)index < (uint)TokenCount
        ? _line.AsSpan(_starts[index], _lengths[index])
        : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Where a token sits in <see cref="Line"/>.</summary>
    public Range TokenRange(int index) => (uint)index < (uint)TokenCount
        ? new Range(_starts[index], _starts[index] + _lengths[index])
        : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The token as a new array (keys handed to the engine).</summary>
    public byte[] ToArray(int index) => this[index].ToArray();

    /// <summary>True when the last token is "noreply" (memcached's rule: any command that allows it, last position).</summary>
    public bool NoReply => TokenCount > 1 && this[TokenCount - 1].SequenceEqual("noreply"u8);

    public ReadOnlySpan<byte> Line => _line.AsSpan(0, _lineLength);

    internal void Reset()
    {
        Command = MemcachedCommand.Unknown;
        TokenCount = 0;
        _lineLength = 0;
        Value = null;
        Error = null;
        TooLarge = false;
        Continues = false;
        IsContinuation = false;
        ClientFlags = 0;
        Exptime = 0;
        CasUnique = 0;
        DataLength = 0;
    }

    /// <summary>Appends bytes to the line buffer and returns where they start.</summary>
    internal Span<byte> AppendLine(int length)
    {
        if (_lineLength + length > _line.Length)
        {
            Array.Resize(ref _line, Math.Max(_lineLength + length, _line.Length * 2));
        }
        var span = _line.AsSpan(_lineLength, length);
        _lineLength += length;
        return span;
    }

    internal void TrimLine(int count) => _lineLength -= count;

    /// <summary>Offset just past token <paramref name="index"/> in <see cref="Line"/>.</summary>
    internal int TokenEnd(int index) => _starts[index] + _lengths[index];

    /// <summary>Splits the line buffer on spaces (memcached splits on ' ' only; runs of spaces are one separator).</summary>
    internal void Tokenize()
    {
        TokenCount = 0;
        var line = _line.AsSpan(0, _lineLength);
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == (byte)' ') i++;
            if (i == line.Length) break;
            int start = i;
            int next = line[i..].IndexOf((byte)' ');
            i = next < 0 ? line.Length : i + next;
            AddToken(start, i - start);
        }
    }

    private void AddToken(int start, int length)
    {
        if (TokenCount == _starts.Length)
        {
            Array.Resize(ref _starts, _starts.Length * 2);
            Array.Resize(ref _lengths, _lengths.Length * 2);
        }
        _starts[TokenCount] = start;
        _lengths[TokenCount] = length;
        TokenCount++;
    }
}
