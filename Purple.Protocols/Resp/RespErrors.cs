using Purple.Core;

namespace Purple.Protocols.Resp;

/// <summary>Redis 7's error texts, so clients that match on them behave as against Redis.</summary>
internal static class RespErrors
{
    public const string Syntax = "ERR syntax error";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string NotFloat = "ERR value is not a valid float";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string DecrementOverflow = "ERR decrement would overflow";
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string NoAuth = "NOAUTH Authentication required.";
    public const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
    public const string HelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
    public const string OutOfMemory = "OOM command not allowed when used memory > 'maxmemory'.";
    public const string NoSuchKey = "ERR no such key";
    public const string DbIndexOutOfRange = "ERR DB index is out of range";
    public const string InvalidCursor = "ERR invalid cursor";
    public const string MustBePositive = "ERR value is out of range, must be positive";
    public const string StringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public const string ExecAbort = "EXECABORT Transaction discarded because of previous errors.";
    public const string NoProto = "NOPROTO unsupported protocol version";

    public static string Arity(string commandName) => $"ERR wrong number of arguments for '{commandName}' command";

    public static string InvalidExpireTime(string commandName) => $"ERR invalid expire time in '{commandName}' command";

    public static string UnknownSubcommand(ReadOnlySpan<byte> sub, string command) =>
        $"ERR unknown subcommand '{Truncate(sub)}'. Try {command.ToUpperInvariant()} HELP.";

    public static string UnknownCommand(RespCommandArgs args)
    {
        var text = new System.Text.StringBuilder("ERR unknown command '");
        text.Append(Truncate(args[0])).Append("', with args beginning with: ");
        for (int i = 1; i < args.Count; i++)
        {
            text.Append('\'').Append(Truncate(args[i])).Append("' ");
        }
        return text.ToString();
    }

    public static string From(PurpleError error) => error switch
    {
        PurpleError.WrongType => WrongType,
        PurpleError.NotInteger => NotInteger,
        PurpleError.Overflow => Overflow,
        PurpleError.OutOfMemory => OutOfMemory,
        PurpleError.NoSuchKey => NoSuchKey,
        PurpleError.TooLarge => StringTooLong,
        PurpleError.DbIndexOutOfRange => DbIndexOutOfRange,
        PurpleError.NotAFlag => WrongType,
        _ => "ERR " + error,
    };

    // Redis quotes at most 128 bytes of client input in an error; control bytes would break the line.
    private static string Truncate(ReadOnlySpan<byte> bytes)
    {
        var slice = bytes.Length > 128 ? bytes[..128] : bytes;
        var chars = new char[slice.Length];
        for (int i = 0; i < slice.Length; i++)
        {
            byte b = slice[i];
            chars[i] = b is (byte)'\r' or (byte)'\n' ? ' ' : (char)b;
        }
        return new string(chars);
    }
}
