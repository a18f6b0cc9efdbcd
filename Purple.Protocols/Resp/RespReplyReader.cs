using System.Buffers;
using System.Globalization;

namespace Purple.Protocols.Resp;

/// <summary>
/// Decodes one RESP2/RESP3 reply into a <see cref="RespValue"/> tree (for tests and the RESP client of the
/// external-Redis backend). Attributes ("|") are read and dropped. Streamed RESP3 strings and aggregates
/// ("$?", "*?") are not supported and give an error. Not on the server's hot path, so it favours clarity.
/// </summary>
public static class RespReplyReader
{
    // Deep enough for any real reply, shallow enough that a hostile server cannot overflow our stack.
    private const int MaxDepth = 256;

    public static RespParseStatus TryRead(ReadOnlySequence<byte> buffer, out RespValue? value, out SequencePosition consumed, out string? error)
    {
        var reader = new SequenceReader<byte>(buffer);
        error = null;
        var status = ReadValue(ref reader, 0, out value, ref error);
        consumed = status == RespParseStatus.Complete ? reader.Position : buffer.Start;
        if (status != RespParseStatus.Complete) value = null;
        return status;
    }

    private static RespParseStatus ReadValue(ref SequenceReader<byte> reader, int depth, out RespValue? value, ref string? error)
    {
        value = null;
        if (depth > MaxDepth) return Fail("reply nested too deeply", ref error);
        if (!reader.TryRead(out byte type)) return RespParseStatus.Incomplete;
        if (!reader.TryReadTo(out ReadOnlySpan<byte> line, "\r\n"u8)) return RespParseStatus.Incomplete;

        switch (type)
        {
            case (byte)'+': value = RespValue.Str(RespType.SimpleString, line.ToArray()); return RespParseStatus.Complete;
            case (byte)'-': value = RespValue.Str(RespType.Error, line.ToArray()); return RespParseStatus.Complete;
            case (byte)'(': value = RespValue.Str(RespType.BigNumber, line.ToArray()); return RespParseStatus.Complete;
            case (byte)':':
                if (!TryParseLong(line, out long integer)) return Fail("invalid integer", ref error);
                value = RespValue.Int(integer);
                return RespParseStatus.Complete;
            case (byte)',':
                if (!TryParseDouble(line, out double d)) return Fail("invalid double", ref error);
                value = RespValue.Dbl(d, line.ToArray());
                return RespParseStatus.Complete;
            case (byte)'#':
                if (line.Length != 1 || (line[0] != (byte)'t' && line[0] != (byte)'f')) return Fail("invalid boolean", ref error);
                value = RespValue.Bool(line[0] == (byte)'t');
                return RespParseStatus.Complete;
            case (byte)'_':
                if (!line.IsEmpty) return Fail("invalid null", ref error);
                value = RespValue.NullValue;
                return RespParseStatus.Complete;
            case (byte)'$':
            case (byte)'!':
            case (byte)'=':
                return ReadBlob(ref reader, type, line, out value, ref error);
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            case (byte)'%':
            case (byte)'|':
                return ReadAggregate(ref reader, type, line, depth, out value, ref error);
            default:
                return Fail($"unknown reply type '{(char)type}'", ref error);
        }
    }

    private static RespParseStatus ReadBlob(ref SequenceReader<byte> reader, byte type, ReadOnlySpan<byte> line, out RespValue? value, ref string? error)
    {
        value = null;
        if (!TryParseLong(line, out long length) || length < -1 || length > int.MaxValue) return Fail("invalid bulk length", ref error);
        if (length == -1)
        {
            if (type != (byte)'$') return Fail("invalid bulk length", ref error);
            value = RespValue.Str(RespType.BulkString, null);
            return RespParseStatus.Complete;
        }
        if (reader.Remaining < length + 2) return RespParseStatus.Incomplete;
        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true)) return Fail("bulk string not followed by CRLF", ref error);
        switch (type)
        {
            case (byte)'$': value = RespValue.Str(RespType.BulkString, bytes); break;
            case (byte)'!': value = RespValue.Str(RespType.BlobError, bytes); break;
            default:
                if (bytes.Length < 4 || bytes[3] != (byte)':') return Fail("verbatim string without a format", ref error);
                value = RespValue.Str(RespType.Verbatim, bytes[4..], System.Text.Encoding.ASCII.GetString(bytes, 0, 3));
                break;
        }
        return RespParseStatus.Complete;
    }

    private static RespParseStatus ReadAggregate(ref SequenceReader<byte> reader, byte type, ReadOnlySpan<byte> line, int depth, out RespValue? value, ref string? error)
    {
        value = null;
        if (!TryParseLong(line, out long count) || count < -1 || count > int.MaxValue / 2) return Fail("invalid aggregate length", ref error);
        if (count == -1)
        {
            if (type != (byte)'*') return Fail("invalid aggregate length", ref error);
            value = RespValue.Aggregate(RespType.Array, null);
            return RespParseStatus.Complete;
        }
        long elements = type is (byte)'%' or (byte)'|' ? count * 2 : count;
        // Each element takes at least three bytes ("_\r\n"): a larger count with less data is simply not here yet.
        if (elements > reader.Remaining / 3) return RespParseStatus.Incomplete;
        var items = new List<RespValue>((int)elements);
        for (long i = 0; i < elements; i++)
        {
            var status = ReadValue(ref reader, depth + 1, out var item, ref error);
            if (status != RespParseStatus.Complete) return status;
            items.Add(item!);
        }
        if (type == (byte)'|')
        {
            // Attributes describe the reply that follows; callers here only want the reply.
            return ReadValue(ref reader, depth + 1, out value, ref error);
        }
        value = RespValue.Aggregate(type switch
        {
            (byte)'~' => RespType.Set,
            (byte)'>' => RespType.Push,
            (byte)'%' => RespType.Map,
            _ => RespType.Array,
        }, items);
        return RespParseStatus.Complete;
    }

    private static bool TryParseLong(ReadOnlySpan<byte> s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        if (s.SequenceEqual("inf"u8) || s.SequenceEqual("+inf"u8)) { value = double.PositiveInfinity; return true; }
        if (s.SequenceEqual("-inf"u8)) { value = double.NegativeInfinity; return true; }
        if (s.SequenceEqual("nan"u8) || s.SequenceEqual("-nan"u8)) { value = double.NaN; return true; }
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static RespParseStatus Fail(string message, ref string? error)
    {
        error = "Protocol error: " + message;
        return RespParseStatus.Error;
    }
}
