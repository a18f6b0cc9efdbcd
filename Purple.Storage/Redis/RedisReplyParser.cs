using System.Buffers;
using System.Buffers.Text;

namespace Purple.Storage.Redis;

public enum RedisParseStatus : byte { Complete, Incomplete, Error }

/// <summary>
/// Decodes one RESP2 reply (what Redis sends before HELLO 3) from a byte sequence: pure, no I/O, so it is tested with
/// input split at every byte. Limits guard against a broken or hostile peer: 512 MB bulk strings, 16 M array items,
/// depth 64.
/// </summary>
public static class RedisReplyParser
{
    private const long MaxBulk = 512L << 20;
    private const long MaxItems = 16L << 20;
    private const int MaxDepth = 64;

    public static RedisParseStatus TryParse(ReadOnlySequence<byte> buffer, out RedisReply? reply, out SequencePosition consumed, out string? error)
    {
        var reader = new SequenceReader<byte>(buffer);
        error = null;
        var status = Read(ref reader, 0, out reply, ref error);
        consumed = status == RedisParseStatus.Complete ? reader.Position : buffer.Start;
        if (status != RedisParseStatus.Complete) reply = null;
        return status;
    }

    private static RedisParseStatus Read(ref SequenceReader<byte> reader, int depth, out RedisReply? reply, ref string? error)
    {
        reply = null;
        if (depth > MaxDepth) return Fail("reply nested too deeply", ref error);
        if (!reader.TryRead(out byte type)) return RedisParseStatus.Incomplete;
        if (!reader.TryReadTo(out ReadOnlySpan<byte> line, "\r\n"u8)) return RedisParseStatus.Incomplete;
        switch (type)
        {
            case (byte)'+':
                reply = RedisReply.Simple(System.Text.Encoding.ASCII.GetString(line));
                return RedisParseStatus.Complete;
            case (byte)'-':
                reply = RedisReply.Error(System.Text.Encoding.UTF8.GetString(line));
                return RedisParseStatus.Complete;
            case (byte)':':
                if (!Utf8Parser.TryParse(line, out long integer, out int used) || used != line.Length) return Fail("invalid integer", ref error);
                reply = RedisReply.Int(integer);
                return RedisParseStatus.Complete;
            case (byte)'$':
                if (!Utf8Parser.TryParse(line, out long length, out used) || used != line.Length || length < -1 || length > MaxBulk)
                    return Fail("invalid bulk length", ref error);
                if (length == -1)
                {
                    reply = RedisReply.Nil;
                    return RedisParseStatus.Complete;
                }
                if (reader.Remaining < length + 2) return RedisParseStatus.Incomplete;
                var bytes = new byte[length];
                reader.TryCopyTo(bytes);
                reader.Advance(length);
                if (!reader.IsNext("\r\n"u8, advancePast: true)) return Fail("bulk string not terminated by CRLF", ref error);
                reply = RedisReply.Blob(bytes);
                return RedisParseStatus.Complete;
            case (byte)'*':
                if (!Utf8Parser.TryParse(line, out long count, out used) || used != line.Length || count < -1 || count > MaxItems)
                    return Fail("invalid array length", ref error);
                if (count == -1)
                {
                    reply = RedisReply.Nil;
                    return RedisParseStatus.Complete;
                }
                // Each item takes at least 3 bytes (":0\r\n" is 4): a count the buffer cannot hold yet waits for more.
                var items = new RedisReply[count];
                for (int i = 0; i < count; i++)
                {
                    var status = Read(ref reader, depth + 1, out var item, ref error);
                    if (status != RedisParseStatus.Complete) return status;
                    items[i] = item!;
                }
                reply = RedisReply.Array(items);
                return RedisParseStatus.Complete;
            default:
                return Fail($"unexpected reply type byte 0x{type:X2}", ref error);
        }
    }

    private static RedisParseStatus Fail(string message, ref string? error)
    {
        error = message;
        return RedisParseStatus.Error;
    }
}
