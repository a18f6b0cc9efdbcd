using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Protocols.Resp;

/// <summary>The command handlers, one partial file per family (RespCommands.Strings.cs, …).</summary>
internal static partial class RespCommands
{
    private const RespCommandFlags WriteFlags = RespCommandFlags.Write | RespCommandFlags.DenyOom;
    private const RespCommandFlags ReadFlags = RespCommandFlags.ReadOnly;

    private static void Fail(RespWriter w, in ExecResult result) => w.Error(RespErrors.From(result.Error));

    private static void WriteStatus(RespWriter w, ReadStatus status)
    {
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else w.Null();
    }

    /// <summary>Arguments [from, to) as owned arrays (keys and members that a command keeps).</summary>
    private static byte[][] Copy(RespCommandArgs a, int from, int to = -1)
    {
        if (to < 0) to = a.Count;
        var result = new byte[to - from][];
        for (int i = from; i < to; i++) result[i - from] = a.ToArray(i);
        return result;
    }

    private static void WriteBulks(RespWriter w, IReadOnlyList<byte[]> items)
    {
        w.ArrayHeader(items.Count);
        foreach (var item in items) w.Bulk(item);
    }

    private static void WriteSet(RespWriter w, byte[][] members)
    {
        w.SetHeader(members.Length);
        foreach (var m in members) w.Bulk(m);
    }

    /// <summary>
    /// Turns an expiry argument into absolute Unix ms with Redis's checks: a non-integer is
    /// "not an integer", a value ≤ 0 or one that overflows when scaled or added is an invalid expire time.
    /// </summary>
    private static bool TryExpiry(RespWriter w, ReadOnlySpan<byte> arg, ExpiryUnit unit, long nowMs, string command, out long expiresAt)
    {
        var error = ExpiryError(arg, unit, nowMs, command, out expiresAt);
        if (error is not null) w.Error(error);
        return error is null;
    }

    /// <summary><see cref="TryExpiry"/> without the reply: the error text, or null with the absolute time.</summary>
    private static string? ExpiryError(ReadOnlySpan<byte> arg, ExpiryUnit unit, long nowMs, string command, out long expiresAt)
    {
        expiresAt = 0;
        if (!RespArg.TryParseInt64(arg, out long value)) return RespErrors.NotInteger;
        if (value <= 0 || !TryToAbsoluteMs(value, unit, nowMs, out expiresAt)) return RespErrors.InvalidExpireTime(command);
        return null;
    }

    /// <summary>
    /// An argument error of a command that Redis answers only after looking its key up (GETEX's expiry, SSCAN's
    /// options): a missing key gets the command's answer for one, a key of another type WRONGTYPE, and only a key of
    /// the command's own type the error.
    /// </summary>
    private static void ErrorAfterLookup(RespSession s, RespWriter w, ReadOnlySpan<byte> key, DataType type, string error,
        Action<RespWriter> missing)
    {
        var found = s.Store.TypeOf(s.Db, key);
        if (found == DataType.None) missing(w);
        else w.Error(found == type ? error : RespErrors.WrongType);
    }

    private static bool TryToAbsoluteMs(long value, ExpiryUnit unit, long nowMs, out long expiresAt)
    {
        expiresAt = 0;
        bool seconds = unit is ExpiryUnit.Seconds or ExpiryUnit.UnixSeconds;
        if (seconds && (value > long.MaxValue / 1000 || value < long.MinValue / 1000)) return false;
        long ms = seconds ? value * 1000 : value;
        if (unit is ExpiryUnit.Seconds or ExpiryUnit.Milliseconds)
        {
            if (ms > 0 && nowMs > long.MaxValue - ms) return false;
            ms += nowMs;
        }
        expiresAt = ms;
        return true;
    }

    private enum ExpiryUnit { Seconds, Milliseconds, UnixSeconds, UnixMilliseconds }

    private static bool TryExpiryUnit(RespCommandArgs a, int index, out ExpiryUnit unit)
    {
        unit = default;
        if (a.EqualsIgnoreCase(index, "EX"u8)) unit = ExpiryUnit.Seconds;
        else if (a.EqualsIgnoreCase(index, "PX"u8)) unit = ExpiryUnit.Milliseconds;
        else if (a.EqualsIgnoreCase(index, "EXAT"u8)) unit = ExpiryUnit.UnixSeconds;
        else if (a.EqualsIgnoreCase(index, "PXAT"u8)) unit = ExpiryUnit.UnixMilliseconds;
        else return false;
        return true;
    }

    private static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static DataType ParseType(ReadOnlySpan<byte> name) =>
        RespCommandSpec.AsciiEqualsIgnoreCase("string", name) ? DataType.String
        : RespCommandSpec.AsciiEqualsIgnoreCase("set", name) ? DataType.Set
        : DataType.None;

    internal static string TypeName(DataType type) => type switch
    {
        DataType.String => "string",
        DataType.Set => "set",
        _ => "none",
    };
}
