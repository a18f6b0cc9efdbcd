using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Purple.Protocols.Grpc;

public enum GrpcFrameStatus { Complete, Incomplete, TooLarge }

/// <summary>
/// gRPC's length-prefixed messages (PROTOCOL-HTTP2.md): a compressed-flag byte, a 4-byte big-endian length,
/// the message. Pure: reads from a sequence, writes to a buffer writer, no I/O.
/// </summary>
public static class GrpcFraming
{
    public const int HeaderLength = 5;

    /// <summary>Reads one message's header and payload; <paramref name="consumed"/> is past it when complete.</summary>
    public static GrpcFrameStatus TryRead(ReadOnlySequence<byte> buffer, long maxMessageSize, out bool compressed,
        out ReadOnlySequence<byte> payload, out SequencePosition consumed)
    {
        compressed = false;
        payload = default;
        consumed = buffer.Start;
        if (buffer.Length < HeaderLength) return GrpcFrameStatus.Incomplete;
        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        compressed = header[0] != 0;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > maxMessageSize) return GrpcFrameStatus.TooLarge;
        if (buffer.Length < HeaderLength + (long)length) return GrpcFrameStatus.Incomplete;
        payload = buffer.Slice(HeaderLength, length);
        consumed = payload.End;
        return GrpcFrameStatus.Complete;
    }

    /// <summary>Writes an uncompressed message: header then the bytes <paramref name="write"/> produces, of <paramref name="length"/>.</summary>
    public static void Write(IBufferWriter<byte> output, int length, Action<Span<byte>> write)
    {
        var span = output.GetSpan(HeaderLength + length);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
        write(span.Slice(HeaderLength, length));
        output.Advance(HeaderLength + length);
    }

    /// <summary>grpc-timeout: up to 8 digits and a unit (H M S m u n). False for anything else.</summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9) return false;
        if (!long.TryParse(value.AsSpan(0, value.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n)) return false;
        timeout = value[^1] switch
        {
            'H' => TimeSpan.FromHours(n),
            'M' => TimeSpan.FromMinutes(n),
            'S' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMilliseconds(n),
            'u' => TimeSpan.FromTicks(n * 10),
            'n' => TimeSpan.FromTicks(n / 100),
            _ => TimeSpan.MinValue,
        };
        return timeout != TimeSpan.MinValue;
    }

    /// <summary>grpc-message is percent-encoded UTF-8: bytes outside printable ASCII, and '%', become %XX.</summary>
    public static string EncodeMessage(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b >= 0x20 && b <= 0x7E && b != (byte)'%') sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
