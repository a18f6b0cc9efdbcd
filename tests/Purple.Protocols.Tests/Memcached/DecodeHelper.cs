using System.Buffers;
using System.Text;
using Purple.Protocols.Memcached;
using Purple.Protocols.Tests.Resp;

namespace Purple.Protocols.Tests.Memcached;

/// <summary>
/// Feeds bytes to a <see cref="MemcachedDecoder"/> the way the connection handler does: what arrives is appended
/// to what was not consumed, and decoding runs until it needs more. Describes each outcome as one string, so a
/// stream split any way must produce the same list.
/// </summary>
internal static class DecodeHelper
{
    public static List<string> DecodeInPieces(MemcachedLimits limits, params byte[][] arrivals)
    {
        var decoder = new MemcachedDecoder(limits);
        var request = new MemcachedRequest();
        var outcomes = new List<string>();
        byte[] pending = [];
        foreach (var arrival in arrivals)
        {
            // Unconsumed bytes and the new arrival as two segments, the shape a pipe hands over.
            var buffer = pending.Length == 0 ? new ReadOnlySequence<byte>(arrival) : Segments.Of(pending, arrival);
            var consumedAll = buffer.Start;
            while (true)
            {
                var status = decoder.Decode(buffer.Slice(consumedAll), request, out var consumed);
                consumedAll = consumed;
                if (status == MemcachedDecodeStatus.Incomplete) break;
                outcomes.Add(Describe(status, request));
                if (status == MemcachedDecodeStatus.Close) return outcomes;
            }
            pending = buffer.Slice(consumedAll).ToArray();
        }
        if (pending.Length > 0 || decoder.InRequest) outcomes.Add($"incomplete({pending.Length})");
        return outcomes;
    }

    public static List<string> Decode(string stream, MemcachedLimits? limits = null) =>
        DecodeInPieces(limits ?? MemcachedLimits.Default, Segments.Ascii(stream));

    public static string Describe(MemcachedDecodeStatus status, MemcachedRequest r)
    {
        var sb = new StringBuilder();
        if (status == MemcachedDecodeStatus.Close) sb.Append("CLOSE ");
        sb.Append(r.Command);
        for (int i = 0; i < r.TokenCount; i++) sb.Append(i == 0 ? " [" : " ").Append(Encoding.Latin1.GetString(r[i]));
        if (r.TokenCount > 0) sb.Append(']');
        if (r.Value is not null) sb.Append(" value=").Append(Encoding.Latin1.GetString(r.Value));
        if (r.Error is not null) sb.Append(" error=").Append(r.Error);
        if (r.TooLarge) sb.Append(" too-large");
        if (r.Continues) sb.Append(" continues");
        if (r.IsContinuation) sb.Append(" continuation");
        return sb.ToString();
    }
}
