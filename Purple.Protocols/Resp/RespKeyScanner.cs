namespace Purple.Protocols.Resp;

/// <summary>
/// Looks ahead in a read batch of pipelined commands for the key each will touch (its second argument), so the store
/// can fetch their lookups together before the commands run one by one (docs/performance.md, "Pipelined keys
/// prefetched"). Only a hint: it reads multibulk frames that are whole in the buffer and stops, without error, at
/// anything else — an inline command, an incomplete or malformed frame — which the real parser then meets as usual.
/// A second argument that is not a key (CONFIG GET's parameter) costs a wasted fetch, nothing else. Pure: no I/O.
/// </summary>
public static class RespKeyScanner
{
    /// <summary>Frames with more arguments than this end the look-ahead (an MSET of thousands is not worth walking).</summary>
    private const int MaxArguments = 64;

    /// <summary>
    /// Fills <paramref name="keys"/> (ranges of <paramref name="buffer"/>) from the commands starting at
    /// <paramref name="start"/>; returns how many it found and, in <paramref name="end"/>, where the last command it
    /// walked ends (<paramref name="start"/> when none).
    /// </summary>
    public static int FindKeys(ReadOnlySpan<byte> buffer, int start, Span<Range> keys, out int end) =>
        FindKeys(buffer, start, keys, [], out end);

    /// <summary>
    /// <see cref="FindKeys(ReadOnlySpan{byte}, int, Span{Range}, out int)"/> that also fills
    /// <paramref name="arguments"/> (when not empty: as long as <paramref name="keys"/>) with each command's argument
    /// after the key — a set member for SADD or SISMEMBER — or an empty range when it has none.
    /// </summary>
    public static int FindKeys(ReadOnlySpan<byte> buffer, int start, Span<Range> keys, Span<Range> arguments, out int end)
    {
        bool withArguments = !arguments.IsEmpty;
        if (withArguments && arguments.Length < keys.Length) throw new ArgumentException("room for an argument per key is needed", nameof(arguments));
        int found = 0;
        int at = start;
        end = start;
        while (found < keys.Length && at < buffer.Length && buffer[at] == (byte)'*')
        {
            if (!TryReadLength(buffer, at + 1, out long count, out at) || count < 1 || count > MaxArguments) break;
            Range key = default, argument = default;
            bool whole = true;
            for (long i = 0; i < count; i++)
            {
                if (at >= buffer.Length || buffer[at] != (byte)'$' || !TryReadLength(buffer, at + 1, out long length, out at)
                    || length < 0 || length > buffer.Length - at - 2 || buffer[at + (int)length] != (byte)'\r' || buffer[at + (int)length + 1] != (byte)'\n')
                {
                    whole = false;
                    break;
                }
                if (i == 1) key = new Range(at, at + (int)length);
                else if (i == 2) argument = new Range(at, at + (int)length);
                at += (int)length + 2;
            }
            if (!whole) break;
            end = at;
            if (count < 2) continue;
            if (withArguments) arguments[found] = argument;
            keys[found++] = key;
        }
        return found;
    }

    /// <summary>Digits up to CRLF at <paramref name="at"/>; <paramref name="next"/> is just past the CRLF.</summary>
    private static bool TryReadLength(ReadOnlySpan<byte> buffer, int at, out long value, out int next)
    {
        value = 0;
        next = at;
        int digits = 0;
        while (at < buffer.Length && (uint)(buffer[at] - '0') <= 9)
        {
            if (++digits > 10) return false;
            value = value * 10 + (buffer[at] - '0');
            at++;
        }
        if (digits == 0 || at + 1 >= buffer.Length || buffer[at] != (byte)'\r' || buffer[at + 1] != (byte)'\n') return false;
        next = at + 2;
        return true;
    }
}
