using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Purple.Storage.Redis;

/// <summary>Encodes a command as a RESP array of bulk strings. Arguments: byte[], string (UTF-8), long, int, ulong.</summary>
public static class RedisCommandWriter
{
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<object> args)
    {
        Header(output, (byte)'*', args.Count);
        foreach (var arg in args)
        {
            switch (arg)
            {
                case byte[] bytes:
                    Bulk(output, bytes);
                    break;
                case string text:
                    Bulk(output, Encoding.UTF8.GetBytes(text));
                    break;
                case long or int or ulong or uint:
                    Bulk(output, Encoding.ASCII.GetBytes(Convert.ToString(arg, CultureInfo.InvariantCulture)!));
                    break;
                default:
                    throw new ArgumentException($"unsupported argument type {arg?.GetType().Name ?? "null"}", nameof(args));
            }
        }
    }

    private static void Bulk(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        Header(output, (byte)'$', bytes.Length);
        output.Write(bytes);
        output.Write("\r\n"u8);
    }

    private static void Header(IBufferWriter<byte> output, byte type, long value)
    {
        var span = output.GetSpan(24);
        span[0] = type;
        Utf8Formatter.TryFormat(value, span[1..], out int written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        output.Advance(3 + written);
    }
}
