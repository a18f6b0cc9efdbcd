using System.Buffers;
using System.Buffers.Text;

namespace Purple.Protocols.Memcached;

public enum MemcachedDecodeStatus
{
    /// <summary>A request is ready in the <see cref="MemcachedRequest"/> (possibly one carrying an <see cref="MemcachedRequest.Error"/>).</summary>
    Request,
    /// <summary>More bytes are needed. Bytes before <c>consumed</c> are already taken (a partial data block is copied out).</summary>
    Incomplete,
    /// <summary>The connection must close, after writing <see cref="MemcachedRequest.Error"/> when it is not null.</summary>
    Close,
}

/// <summary>
/// Frames memcached's text protocol: command lines ended by "\n" (a preceding "\r" is dropped), and
/// for store commands the data block of the declared length plus "\r\n". It validates just enough of
/// a store line to know whether a data block follows, exactly as memcached does: a malformed store
/// line gets its error and the bytes after it are read as the next command line (no data is skipped),
/// while a well-formed one over the item size limit has its data block discarded.
/// Stateful (a data block or a long get line may span many reads) but does no I/O: the caller hands in
/// what has arrived and advances its reader to <c>consumed</c>. One per connection; not thread-safe.
/// </summary>
public sealed class MemcachedDecoder
{
    private enum State : byte { Line, Value, Swallow, RetrievalContinues }

    private readonly MemcachedLimits _limits;
    private State _state;
    private byte[]? _value;
    private int _filled;
    // The two bytes after a data block, which must be "\r\n".
    private byte _trailer0;
    private int _trailerFilled;
    private long _swallow;
    // "gat 10" or "get": what each piece of a long retrieval line starts with.
    private byte[] _retrievalPrefix = [];

    public MemcachedDecoder(MemcachedLimits limits)
    {
        _limits = limits;
    }

    /// <summary>True while a data block or a long get line is half read (the request object holds its line).</summary>
    public bool InRequest => _state != State.Line;

    public MemcachedDecodeStatus Decode(ReadOnlySequence<byte> buffer, MemcachedRequest request, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            switch (_state)
            {
                case State.Swallow:
                {
                    long n = Math.Min(_swallow, reader.Remaining);
                    reader.Advance(n);
                    _swallow -= n;
                    if (_swallow > 0)
                    {
                        consumed = reader.Position;
                        return MemcachedDecodeStatus.Incomplete;
                    }
                    _state = State.Line;
                    continue;
                }
                case State.Value:
                {
                    var status = ReadValue(ref reader, request);
                    consumed = reader.Position;
                    return status;
                }
                case State.RetrievalContinues:
                {
                    var status = ReadLine(ref reader, request, continuation: true);
                    consumed = reader.Position;
                    return status;
                }
                default:
                {
                    request.Reset();
                    var status = ReadLine(ref reader, request, continuation: false);
                    if (status == MemcachedDecodeStatus.Request && _state == State.Value)
                    {
                        status = ReadValue(ref reader, request);
                    }
                    consumed = reader.Position;
                    // A discarded data block: the request (its error reply) is done; the bytes go as they come.
                    return status;
                }
            }
        }
    }

    private MemcachedDecodeStatus ReadLine(ref SequenceReader<byte> reader, MemcachedRequest request, bool continuation)
    {
        var rest = reader.UnreadSequence;
        // Look no further than the limit: a client streaming garbage costs one bounded scan per read.
        var window = rest.Length > _limits.MaxLineLength ? rest.Slice(0, _limits.MaxLineLength) : rest;
        var eol = window.PositionOf((byte)'\n');
        if (eol is null)
        {
            if (rest.Length < _limits.MaxLineLength) return MemcachedDecodeStatus.Incomplete;
            return LongLine(ref reader, window, request, continuation);
        }
        var lineSeq = window.Slice(0, eol.Value);
        int length = (int)lineSeq.Length;
        reader.Advance(length + 1L);
        if (continuation)
        {
            request.Reset();
            request.IsContinuation = true;
            _retrievalPrefix.CopyTo(request.AppendLine(_retrievalPrefix.Length));
            _state = State.Line;
        }
        var dest = request.AppendLine(length);
        lineSeq.CopyTo(dest);
        if (length > 0 && dest[^1] == (byte)'\r') request.TrimLine(1);
        request.Tokenize();
        if (request.TokenCount == 0)
        {
            request.Command = MemcachedCommand.Unknown;
            return MemcachedDecodeStatus.Request;
        }
        request.Command = MemcachedCommands.Identify(request[0]);
        if (request.Command == MemcachedCommand.Unknown && LooksLikeHttp(request))
        {
            // memcached drops such a connection without a reply: an HTTP client on the wrong port.
            return MemcachedDecodeStatus.Close;
        }
        if (MemcachedCommands.IsStorage(request.Command)) PrepareClassicStore(request);
        else if (request.Command == MemcachedCommand.MetaSet) PrepareMetaSet(request);
        return MemcachedDecodeStatus.Request;
    }

    /// <summary>
    /// No newline within the line limit. memcached closes such a connection unless it is a multi-get, whose
    /// keys it serves as they arrive; so do we: the piece up to the last space is a request of its own.
    /// </summary>
    private MemcachedDecodeStatus LongLine(ref SequenceReader<byte> reader, ReadOnlySequence<byte> window, MemcachedRequest request, bool continuation)
    {
        request.Reset();
        int prefixLength = 0;
        if (continuation)
        {
            request.IsContinuation = true;
            prefixLength = _retrievalPrefix.Length;
            _retrievalPrefix.CopyTo(request.AppendLine(prefixLength));
        }
        var dest = request.AppendLine((int)window.Length);
        window.CopyTo(dest);
        int lastSpace = dest.LastIndexOf((byte)' ');
        if (lastSpace > 0) request.TrimLine(dest.Length - lastSpace);
        request.Tokenize();
        request.Command = request.TokenCount == 0 ? MemcachedCommand.Unknown : MemcachedCommands.Identify(request[0]);
        int keysFrom = request.Command is MemcachedCommand.Gat or MemcachedCommand.Gats ? 2 : 1;
        if (lastSpace <= 0 || !MemcachedCommands.IsRetrieval(request.Command) || request.TokenCount <= keysFrom)
        {
            request.Reset();
            request.Error = "CLIENT_ERROR line too long";
            return MemcachedDecodeStatus.Close;
        }
        if (!continuation)
        {
            _retrievalPrefix = new byte[request.TokenEnd(keysFrom - 1) + 1];
            request.Line[.._retrievalPrefix.Length].CopyTo(_retrievalPrefix);
            _retrievalPrefix[^1] = (byte)' ';
        }
        reader.Advance(lastSpace + 1L);
        request.Continues = true;
        _state = State.RetrievalContinues;
        return MemcachedDecodeStatus.Request;
    }

    private static bool LooksLikeRetrieval(ReadOnlySequence<byte> line)
    {
        Span<byte> head = stackalloc byte[5];
        int n = (int)Math.Min(5, line.Length);
        line.Slice(0, n).CopyTo(head);
        head = head[..n];
        return head.StartsWith("get "u8) || head.StartsWith("gets "u8) || head.StartsWith("gat "u8) || head.StartsWith("gats "u8);
    }

    private static bool LooksLikeHttp(MemcachedRequest request) =>
        request.TokenCount >= 3 && request[request.TokenCount - 1].StartsWith("HTTP/"u8);

    private void PrepareClassicStore(MemcachedRequest request)
    {
        bool cas = request.Command == MemcachedCommand.Cas;
        int min = cas ? 6 : 5;
        if (request.TokenCount < min || request.TokenCount > min + 1)
        {
            // memcached counts tokens before anything else: a wrong count is "ERROR" and no data block is read.
            request.Error = "ERROR";
            return;
        }
        if (!MemcachedKeys.IsValid(request[1], _limits)
            || !TryParseUInt32(request[2], out uint flags)
            || !TryParseInt64(request[3], out long exptime)
            || !TryParseInt64(request[4], out long length) || length < 0 || length > int.MaxValue - 2)
        {
            request.Error = "CLIENT_ERROR bad command line format";
            return;
        }
        ulong casUnique = 0;
        if (cas && !TryParseUInt64(request[5], out casUnique))
        {
            request.Error = "CLIENT_ERROR bad command line format";
            return;
        }
        request.ClientFlags = flags;
        request.Exptime = exptime;
        request.CasUnique = casUnique;
        BeginValue(request, (int)length);
    }

    private void PrepareMetaSet(MemcachedRequest request)
    {
        // "ms <key> <datalen> <flags>*": the key is checked by the session (it may be base64).
        if (request.TokenCount < 2)
        {
            request.Error = "ERROR";
            return;
        }
        if (request.TokenCount < 3 || !TryParseInt64(request[2], out long length) || length < 0 || length > int.MaxValue - 2
            || request[1].Length > MemcachedKeys.MaxEncodedLength(_limits))
        {
            request.Error = "CLIENT_ERROR bad command line format";
            return;
        }
        BeginValue(request, (int)length);
    }

    private void BeginValue(MemcachedRequest request, int length)
    {
        request.DataLength = length;
        if (length > _limits.MaxItemSize)
        {
            request.TooLarge = true;
            _swallow = length + 2L;
            _state = State.Swallow;
            return;
        }
        _value = length == 0 ? [] : new byte[length];
        _filled = 0;
        _trailerFilled = 0;
        _state = State.Value;
    }

    private MemcachedDecodeStatus ReadValue(ref SequenceReader<byte> reader, MemcachedRequest request)
    {
        var value = _value!;
        if (_filled < value.Length)
        {
            int n = (int)Math.Min(value.Length - _filled, reader.Remaining);
            reader.Sequence.Slice(reader.Position, n).CopyTo(value.AsSpan(_filled));
            reader.Advance(n);
            _filled += n;
            if (_filled < value.Length) return MemcachedDecodeStatus.Incomplete;
        }
        while (_trailerFilled < 2)
        {
            if (!reader.TryRead(out byte b)) return MemcachedDecodeStatus.Incomplete;
            if (_trailerFilled == 0) _trailer0 = b;
            _trailerFilled++;
            if (_trailerFilled == 2)
            {
                _state = State.Line;
                _value = null;
                if (_trailer0 == (byte)'\r' && b == (byte)'\n') request.Value = value;
                else request.Error = "CLIENT_ERROR bad data chunk";
            }
        }
        return MemcachedDecodeStatus.Request;
    }

    internal static bool TryParseUInt32(ReadOnlySpan<byte> s, out uint value) =>
        Utf8Parser.TryParse(s, out value, out int used) && used == s.Length;

    internal static bool TryParseUInt64(ReadOnlySpan<byte> s, out ulong value) =>
        Utf8Parser.TryParse(s, out value, out int used) && used == s.Length;

    internal static bool TryParseInt64(ReadOnlySpan<byte> s, out long value) =>
        Utf8Parser.TryParse(s, out value, out int used) && used == s.Length;
}
