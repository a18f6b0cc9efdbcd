using System.Buffers;
using System.Text;
using Purple.Protocols.Resp;

namespace Purple.Protocols.Tests.Resp;

internal static class ParseHelper
{
    /// <summary>Parses one request and renders the outcome as text, so different splits can be compared.</summary>
    public static string Parse(ReadOnlySequence<byte> buffer, RespLimits? limits = null, RespCommandArgs? args = null)
    {
        args ??= new RespCommandArgs();
        var status = RespRequestParser.TryParse(buffer, args, limits ?? RespLimits.Default, out var consumed, out var error);
        return status switch
        {
            RespParseStatus.Complete => $"Complete@{buffer.Slice(buffer.Start, consumed).Length}{(args.IsInline ? " inline" : "")}: {Render(args)}",
            RespParseStatus.Incomplete => Incomplete(buffer, consumed),
            _ => $"Error: {error}",
        };
    }

    public static string Parse(byte[] data, RespLimits? limits = null) => Parse(new ReadOnlySequence<byte>(data), limits);

    public static string Render(RespCommandArgs args)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append('"');
            foreach (byte b in args[i])
            {
                if (b is >= 0x20 and < 0x7F && b != (byte)'"' && b != (byte)'\\') sb.Append((char)b);
                else sb.Append($"\\x{b:X2}");
            }
            sb.Append('"');
        }
        return sb.Append(']').ToString();
    }

    private static string Incomplete(ReadOnlySequence<byte> buffer, SequencePosition consumed)
    {
        Assert.Equal(0, buffer.Slice(buffer.Start, consumed).Length);
        return "Incomplete";
    }
}
