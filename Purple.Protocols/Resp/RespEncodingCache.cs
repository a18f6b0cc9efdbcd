using System.Text;

namespace Purple.Protocols.Resp;

/// <summary>Pre-encoded replies and headers that nearly every connection writes over and over.</summary>
internal static class RespEncodingCache
{
    public const int Size = 1024;

    public static readonly byte[] Ok = "+OK\r\n"u8.ToArray();
    public static readonly byte[] Crlf = "\r\n"u8.ToArray();
    public static readonly byte[] NullBulk = "$-1\r\n"u8.ToArray();
    public static readonly byte[] NullArray = "*-1\r\n"u8.ToArray();
    public static readonly byte[] Resp3Null = "_\r\n"u8.ToArray();
    public static readonly byte[] True = "#t\r\n"u8.ToArray();
    public static readonly byte[] False = "#f\r\n"u8.ToArray();

    /// <summary>":0\r\n" … ":1023\r\n".</summary>
    public static readonly byte[][] Integers = Build(':');

    /// <summary>"$0\r\n" … "$1023\r\n".</summary>
    public static readonly byte[][] BulkHeaders = Build('$');

    /// <summary>"*0\r\n" … "*1023\r\n".</summary>
    public static readonly byte[][] ArrayHeaders = Build('*');

    private static byte[][] Build(char type)
    {
        var table = new byte[Size][];
        for (int i = 0; i < Size; i++) table[i] = Encoding.ASCII.GetBytes($"{type}{i}\r\n");
        return table;
    }
}
