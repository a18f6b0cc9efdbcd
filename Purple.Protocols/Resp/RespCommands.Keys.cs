using System.Globalization;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Resp;

internal static partial class RespCommands
{
    internal static IEnumerable<RespCommandSpec> KeyCommands() =>
    [
        new() { Name = "del", Arity = -2, Flags = RespCommandFlags.Write, FirstKey = 1, LastKey = -1, Step = 1, Group = "generic",
            Summary = "Deletes one or more keys.", Complexity = "O(N) where N is the number of keys that will be removed.",
            Syntax = "key [key ...]", Handler = Delete, AclCategories = ["@keyspace", "@write", "@slow"] },
        new() { Name = "unlink", Arity = -2, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = -1, Step = 1, Group = "generic", Since = "4.0.0",
            Summary = "Asynchronously deletes one or more keys.", Complexity = "O(1) for each key removed regardless of its size.",
            Syntax = "key [key ...]", Handler = Delete, AclCategories = ["@keyspace", "@write", "@fast"] },
        new() { Name = "exists", Arity = -2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = -1, Step = 1, Group = "generic",
            Summary = "Determines whether one or more keys exist.", Complexity = "O(N) where N is the number of keys to check.",
            Syntax = "key [key ...]", Handler = Exists, AclCategories = ["@keyspace", "@read", "@fast"] },
        ExpireSpec("expire", ExpiryUnit.Seconds, "Sets the expiration time of a key in seconds.", "key seconds [NX|XX|GT|LT]", "1.0.0"),
        ExpireSpec("pexpire", ExpiryUnit.Milliseconds, "Sets the expiration time of a key in milliseconds.", "key milliseconds [NX|XX|GT|LT]", "2.6.0"),
        ExpireSpec("expireat", ExpiryUnit.UnixSeconds, "Sets the expiration time of a key to a Unix timestamp.", "key unix-time-seconds [NX|XX|GT|LT]", "1.2.0"),
        ExpireSpec("pexpireat", ExpiryUnit.UnixMilliseconds, "Sets the expiration time of a key to a Unix milliseconds timestamp.", "key unix-time-milliseconds [NX|XX|GT|LT]", "2.6.0"),
        new() { Name = "ttl", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "generic",
            Summary = "Returns the expiration time in seconds of a key.", Syntax = "key", Handler = (s, a, w) => Ttl(s, a, w, TtlForm.Seconds), AclCategories = ["@keyspace", "@read", "@fast"] },
        new() { Name = "pttl", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "generic", Since = "2.6.0",
            Summary = "Returns the expiration time in milliseconds of a key.", Syntax = "key", Handler = (s, a, w) => Ttl(s, a, w, TtlForm.Milliseconds), AclCategories = ["@keyspace", "@read", "@fast"] },
        new() { Name = "expiretime", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "generic", Since = "7.0.0",
            Summary = "Returns the expiration time of a key as a Unix timestamp.", Syntax = "key", Handler = (s, a, w) => Ttl(s, a, w, TtlForm.UnixSeconds), AclCategories = ["@keyspace", "@read", "@fast"] },
        new() { Name = "pexpiretime", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "generic", Since = "7.0.0",
            Summary = "Returns the expiration time of a key as a Unix milliseconds timestamp.", Syntax = "key", Handler = (s, a, w) => Ttl(s, a, w, TtlForm.UnixMilliseconds), AclCategories = ["@keyspace", "@read", "@fast"] },
        new() { Name = "persist", Arity = 2, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "generic", Since = "2.2.0",
            Summary = "Removes the expiration time of a key.", Syntax = "key", Handler = Persist, AclCategories = ["@keyspace", "@write", "@fast"] },
        new() { Name = "type", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "generic",
            Summary = "Determines the type of value stored at a key.", Syntax = "key", Handler = Type, AclCategories = ["@keyspace", "@read", "@fast"] },
        new() { Name = "keys", Arity = 2, Flags = ReadFlags, Group = "generic",
            Summary = "Returns all key names that match a pattern.", Complexity = "O(N) with N being the number of keys in the database",
            Syntax = "pattern", Handler = Keys, AclCategories = ["@keyspace", "@read", "@slow", "@dangerous"] },
        new() { Name = "scan", Arity = -2, Flags = ReadFlags, Group = "generic", Since = "2.8.0",
            Summary = "Iterates over the key names in the database.", Complexity = "O(1) for every call. O(N) for a complete iteration.",
            Syntax = "cursor [MATCH pattern] [COUNT count] [TYPE type]", Handler = Scan, AclCategories = ["@keyspace", "@read", "@slow"] },
        new() { Name = "rename", Arity = 3, Flags = RespCommandFlags.Write, FirstKey = 1, LastKey = 2, Step = 1, Group = "generic",
            Summary = "Renames a key and overwrites the destination.", Syntax = "key newkey", Handler = (s, a, w) => Rename(s, a, w, false), AclCategories = ["@keyspace", "@write", "@slow"] },
        new() { Name = "renamenx", Arity = 3, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = 2, Step = 1, Group = "generic",
            Summary = "Renames a key only when the target key name doesn't exist.", Syntax = "key newkey", Handler = (s, a, w) => Rename(s, a, w, true), AclCategories = ["@keyspace", "@write", "@fast"] },
    ];

    private static RespCommandSpec ExpireSpec(string name, ExpiryUnit unit, string summary, string syntax, string since) => new()
    {
        Name = name, Arity = -3, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1,
        Group = "generic", Summary = summary, Syntax = syntax, Since = since,
        Handler = (s, a, w) => Expire(s, a, w, unit, name), AclCategories = ["@keyspace", "@write", "@fast"],
    };

    private static void Delete(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.Execute(new DeleteCommand(s.Db, Copy(a, 1)));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Integer);
    }

    private static void Exists(RespSession s, RespCommandArgs a, RespWriter w) => w.Integer(s.Store.Exists(s.Db, Copy(a, 1)));

    private static void Expire(RespSession s, RespCommandArgs a, RespWriter w, ExpiryUnit unit, string name)
    {
        bool nx = false, xx = false, gt = false, lt = false;
        for (int i = 3; i < a.Count; i++)
        {
            if (a.EqualsIgnoreCase(i, "NX"u8)) nx = true;
            else if (a.EqualsIgnoreCase(i, "XX"u8)) xx = true;
            else if (a.EqualsIgnoreCase(i, "GT"u8)) gt = true;
            else if (a.EqualsIgnoreCase(i, "LT"u8)) lt = true;
            else
            {
                w.Error($"ERR Unsupported option {RespArg.ToText(a[i])}");
                return;
            }
        }
        if (nx && (xx || gt || lt))
        {
            w.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if (gt && lt)
        {
            w.Error("ERR GT and LT options at the same time are not compatible");
            return;
        }
        // XX with GT is GT: GT already fails for a key without a TTL.
        var condition = nx ? ExpireCondition.NX
            : lt ? (xx ? ExpireCondition.XXLT : ExpireCondition.LT)
            : gt ? ExpireCondition.GT
            : xx ? ExpireCondition.XX
            : ExpireCondition.Always;
        if (!RespArg.TryParseInt64(a[2], out long value))
        {
            w.Error(RespErrors.NotInteger);
            return;
        }
        if (!TryToAbsoluteMs(value, unit, s.Server.NowMs, out long expiresAt))
        {
            w.Error(RespErrors.InvalidExpireTime(name));
            return;
        }
        var result = s.Store.Execute(new ExpireCommand(s.Db, a.ToArray(1), expiresAt, condition));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Integer);
    }

    private enum TtlForm { Seconds, Milliseconds, UnixSeconds, UnixMilliseconds }

    private static void Ttl(RespSession s, RespCommandArgs a, RespWriter w, TtlForm form)
    {
        long expiresAt = s.Store.GetExpiresAt(s.Db, a[1]);
        if (expiresAt < 0)
        {
            w.Integer(expiresAt);
            return;
        }
        long ttl = Math.Max(0, expiresAt - s.Server.NowMs);
        w.Integer(form switch
        {
            TtlForm.Seconds => (ttl + 500) / 1000,
            TtlForm.Milliseconds => ttl,
            // Rounded to the nearest second, as Redis does (its (ms + 500) / 1000, without the overflow).
            TtlForm.UnixSeconds => expiresAt / 1000 + (expiresAt % 1000 >= 500 ? 1 : 0),
            _ => expiresAt,
        });
    }

    private static void Persist(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.Execute(new PersistCommand(s.Db, a.ToArray(1)));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Integer);
    }

    private static void Type(RespSession s, RespCommandArgs a, RespWriter w) =>
        w.SimpleString(Utf8(TypeName(s.Store.TypeOf(s.Db, a[1]))));

    private static void Keys(RespSession s, RespCommandArgs a, RespWriter w) => WriteBulks(w, s.Store.Keys(s.Db, a[1]));

    private static void Scan(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (!RespArg.TryParseCursor(a[1], out ulong cursor))
        {
            w.Error(RespErrors.InvalidCursor);
            return;
        }
        if (!TryScanOptions(a, 2, w, out var pattern, out int count, out var type, out bool unknownType)) return;
        var keys = new List<byte[]>();
        ulong next = s.Store.Scan(s.Db, cursor, pattern, count, type, keys);
        if (unknownType) keys.Clear();
        WriteScanReply(w, next, keys);
    }

    /// <summary>MATCH / COUNT / TYPE as SCAN and SSCAN take them, with Redis's errors.</summary>
    private static bool TryScanOptions(RespCommandArgs a, int from, RespWriter w, out byte[] pattern, out int count, out DataType type, out bool unknownType)
    {
        var error = ScanOptionsError(a, from, out pattern, out count, out type, out unknownType);
        if (error is not null) w.Error(error);
        return error is null;
    }

    /// <summary><see cref="TryScanOptions"/> without the reply: the error text, or null with the options.</summary>
    private static string? ScanOptionsError(RespCommandArgs a, int from, out byte[] pattern, out int count, out DataType type, out bool unknownType)
    {
        pattern = "*"u8.ToArray();
        count = 10;
        type = DataType.None;
        unknownType = false;
        bool allowType = from == 2;
        for (int i = from; i < a.Count; i += 2)
        {
            if (i + 1 >= a.Count) return RespErrors.Syntax;
            if (a.EqualsIgnoreCase(i, "MATCH"u8)) pattern = a.ToArray(i + 1);
            else if (a.EqualsIgnoreCase(i, "COUNT"u8))
            {
                if (!RespArg.TryParseInt64(a[i + 1], out long c)) return RespErrors.NotInteger;
                if (c < 1) return RespErrors.Syntax;
                count = (int)Math.Min(c, int.MaxValue);
            }
            else if (allowType && a.EqualsIgnoreCase(i, "TYPE"u8))
            {
                type = ParseType(a[i + 1]);
                // Types Purple does not have (list, hash, zset…) match nothing, as in Redis on an empty type.
                unknownType = type == DataType.None;
            }
            else return RespErrors.Syntax;
        }
        return null;
    }

    private static void WriteScanReply(RespWriter w, ulong next, List<byte[]> items)
    {
        w.ArrayHeader(2);
        w.BulkString(next.ToString(CultureInfo.InvariantCulture));
        WriteBulks(w, items);
    }

    private static void Rename(RespSession s, RespCommandArgs a, RespWriter w, bool onlyIfTargetMissing)
    {
        var result = s.Store.Execute(new RenameCommand(s.Db, a.ToArray(1), a.ToArray(2), onlyIfTargetMissing));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else if (onlyIfTargetMissing) w.Integer(result.Status == ExecStatus.Ok ? 1 : 0);
        else w.Ok();
    }
}
