using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Resp;

internal static partial class RespCommands
{
    internal static IEnumerable<RespCommandSpec> StringCommands() =>
    [
        new() { Name = "get", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1,
            Group = "string", Summary = "Returns the string value of a key.", Syntax = "key", Handler = Get, AclCategories = ["@read", "@string", "@fast"] },
        new() { Name = "set", Arity = -3, Flags = WriteFlags, FirstKey = 1, LastKey = 1, Step = 1, Group = "string",
            Summary = "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
            Syntax = "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
            Handler = Set, AclCategories = ["@write", "@string", "@slow"] },
        new() { Name = "setnx", Arity = 3, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string",
            Summary = "Set the string value of a key only when the key doesn't exist.", Syntax = "key value", Handler = SetNx, AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "setex", Arity = 4, Flags = WriteFlags, FirstKey = 1, LastKey = 1, Step = 1, Group = "string", Since = "2.0.0",
            Summary = "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", Syntax = "key seconds value",
            Handler = (s, a, w) => SetWithTtl(s, a, w, ExpiryUnit.Seconds, "setex"), AclCategories = ["@write", "@string", "@slow"] },
        new() { Name = "psetex", Arity = 4, Flags = WriteFlags, FirstKey = 1, LastKey = 1, Step = 1, Group = "string", Since = "2.6.0",
            Summary = "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", Syntax = "key milliseconds value",
            Handler = (s, a, w) => SetWithTtl(s, a, w, ExpiryUnit.Milliseconds, "psetex"), AclCategories = ["@write", "@string", "@slow"] },
        new() { Name = "getset", Arity = 3, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string",
            Summary = "Returns the previous string value of a key after setting it to a new value.", Syntax = "key value", Handler = GetSet, AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "getdel", Arity = 2, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string", Since = "6.2.0",
            Summary = "Returns the string value of a key after deleting the key.", Syntax = "key", Handler = GetDel, AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "getex", Arity = -2, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string", Since = "6.2.0",
            Summary = "Returns the string value of a key after setting its expiration time.",
            Syntax = "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]", Handler = GetEx, AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "mget", Arity = -2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = -1, Step = 1, Group = "string",
            Summary = "Atomically returns the string values of one or more keys.", Complexity = "O(N) where N is the number of keys to retrieve.",
            Syntax = "key [key ...]", Handler = MGet, AclCategories = ["@read", "@string", "@fast"] },
        new() { Name = "mset", Arity = -3, Flags = WriteFlags, FirstKey = 1, LastKey = -1, Step = 2, Group = "string", Since = "1.0.1",
            Summary = "Atomically creates or modifies the string values of one or more keys.", Complexity = "O(N) where N is the number of keys to set.",
            Syntax = "key value [key value ...]", Handler = (s, a, w) => MSet(s, a, w, false), AclCategories = ["@write", "@string", "@slow"] },
        new() { Name = "msetnx", Arity = -3, Flags = WriteFlags, FirstKey = 1, LastKey = -1, Step = 2, Group = "string", Since = "1.0.1",
            Summary = "Atomically modifies the string values of one or more keys only when all keys don't exist.", Complexity = "O(N) where N is the number of keys to set.",
            Syntax = "key value [key value ...]", Handler = (s, a, w) => MSet(s, a, w, true), AclCategories = ["@write", "@string", "@slow"] },
        new() { Name = "append", Arity = 3, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string", Since = "2.0.0",
            Summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.", Syntax = "key value", Handler = Append, AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "strlen", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string", Since = "2.2.0",
            Summary = "Returns the length of a string value.", Syntax = "key", Handler = StrLen, AclCategories = ["@read", "@string", "@fast"] },
        new() { Name = "incr", Arity = 2, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string",
            Summary = "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Syntax = "key",
            Handler = (s, a, w) => IncrBy(s, a, w, 1), AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "decr", Arity = 2, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string",
            Summary = "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Syntax = "key",
            Handler = (s, a, w) => IncrBy(s, a, w, -1), AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "incrby", Arity = 3, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string",
            Summary = "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Syntax = "key increment",
            Handler = (s, a, w) => IncrByArg(s, a, w, negate: false), AclCategories = ["@write", "@string", "@fast"] },
        new() { Name = "decrby", Arity = 3, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "string",
            Summary = "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", Syntax = "key decrement",
            Handler = (s, a, w) => IncrByArg(s, a, w, negate: true), AclCategories = ["@write", "@string", "@fast"] },
    ];

    private static void Get(RespSession s, RespCommandArgs a, RespWriter w)
    {
        // The reply is written from the stored bytes under the key's lock, so the entry keeps owning them.
        var status = s.Store.ReadString(s.Db, a[1], w, static (value, writer) => ((RespWriter)writer).Bulk(value));
        if (status != ReadStatus.Found) WriteStatus(w, status);
    }

    private static void Set(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var condition = SetCondition.Always;
        var options = SetOptions.None;
        long expiresAt = 0;
        int expiryArg = -1;
        var expiryUnit = ExpiryUnit.Seconds;
        for (int i = 3; i < a.Count; i++)
        {
            bool hasExpiry = expiryArg >= 0;
            if (a.EqualsIgnoreCase(i, "NX"u8) && condition != SetCondition.IfExists) condition = SetCondition.IfNotExists;
            else if (a.EqualsIgnoreCase(i, "XX"u8) && condition != SetCondition.IfNotExists) condition = SetCondition.IfExists;
            else if (a.EqualsIgnoreCase(i, "GET"u8)) options |= SetOptions.ReturnOld;
            else if (a.EqualsIgnoreCase(i, "KEEPTTL"u8) && !hasExpiry) options |= SetOptions.KeepTtl;
            // The same unit again is no clash for Redis: the last value given counts (SET k v EX 1 EX 2).
            else if (TryExpiryUnit(a, i, out var unit) && (!hasExpiry || unit == expiryUnit) && (options & SetOptions.KeepTtl) == 0
                     && i + 1 < a.Count)
            {
                expiryArg = ++i;
                expiryUnit = unit;
            }
            else
            {
                w.Error(RespErrors.Syntax);
                return;
            }
        }
        // Redis reports a syntax error anywhere before it looks at the expiry's value.
        if (expiryArg >= 0 && !TryExpiry(w, a[expiryArg], expiryUnit, s.Server.NowMs, "set", out expiresAt)) return;
        var result = s.Store.SetString(s.Db, a[1], a[2], expiresAt, condition, options);
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else if ((options & SetOptions.ReturnOld) != 0)
        {
            if (result.Value is null) w.Null();
            else w.Bulk(result.Value);
        }
        else if (result.Status == ExecStatus.Ok) w.Ok();
        else w.Null();
    }

    private static void SetNx(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.SetString(s.Db, a[1], a[2], condition: SetCondition.IfNotExists);
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Status == ExecStatus.Ok ? 1 : 0);
    }

    private static void SetWithTtl(RespSession s, RespCommandArgs a, RespWriter w, ExpiryUnit unit, string name)
    {
        if (!TryExpiry(w, a[2], unit, s.Server.NowMs, name, out long expiresAt)) return;
        var result = s.Store.SetString(s.Db, a[1], a[3], expiresAt);
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Ok();
    }

    private static void GetSet(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.SetString(s.Db, a[1], a[2], options: SetOptions.ReturnOld);
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else if (result.Value is null) w.Null();
        else w.Bulk(result.Value);
    }

    private static void GetDel(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.Execute(new GetDelCommand(s.Db, a.ToArray(1)));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else if (result.Value is null) w.Null();
        else w.Bulk(result.Value);
    }

    private static void GetEx(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var action = GetExAction.None;
        long expiresAt = 0;
        int expiryArg = -1;
        var expiryUnit = ExpiryUnit.Seconds;
        for (int i = 2; i < a.Count; i++)
        {
            // As in SET, an option repeated is no clash (the last expiry given counts); two different ones are.
            if (action != GetExAction.SetExpiry && a.EqualsIgnoreCase(i, "PERSIST"u8)) action = GetExAction.Persist;
            else if (TryExpiryUnit(a, i, out var unit) && (action == GetExAction.None || action == GetExAction.SetExpiry && unit == expiryUnit)
                     && i + 1 < a.Count)
            {
                action = GetExAction.SetExpiry;
                expiryArg = ++i;
                expiryUnit = unit;
            }
            else
            {
                w.Error(RespErrors.Syntax);
                return;
            }
        }
        if (expiryArg >= 0 && ExpiryError(a[expiryArg], expiryUnit, s.Server.NowMs, "getex", out expiresAt) is { } error)
        {
            ErrorAfterLookup(s, w, a[1], DataType.String, error, static w => w.Null());
            return;
        }
        if (action == GetExAction.None)
        {
            // A plain GETEX changes nothing: serve it as a read so it never counts as a write.
            Get(s, a, w);
            return;
        }
        var result = s.Store.Execute(new GetExCommand(s.Db, a.ToArray(1), action, expiresAt));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else if (result.Value is null) w.Null();
        else w.Bulk(result.Value);
    }

    private static void MGet(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var values = s.Store.GetMany(s.Db, Copy(a, 1));
        w.ArrayHeader(values.Length);
        foreach (var v in values)
        {
            if (v is null) w.Null();
            else w.Bulk(v);
        }
    }

    private static void MSet(RespSession s, RespCommandArgs a, RespWriter w, bool onlyIfNoneExist)
    {
        if ((a.Count - 1) % 2 != 0)
        {
            w.Error(RespErrors.Arity(onlyIfNoneExist ? "msetnx" : "mset"));
            return;
        }
        var result = s.Store.SetMany(s.Db, a.Buffer, a.Slices(1), onlyIfNoneExist);
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else if (onlyIfNoneExist) w.Integer(result.Integer);
        else w.Ok();
    }

    private static void Append(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.Execute(new AppendCommand(s.Db, a.ToArray(1), a.ToArray(2)));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Integer);
    }

    private static void StrLen(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var status = s.Store.TryGet(s.Db, a[1], out var item);
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else w.Integer(status == ReadStatus.Found ? item.Value.Length : 0);
    }

    private static void IncrBy(RespSession s, RespCommandArgs a, RespWriter w, long delta)
    {
        var result = s.Store.IncrementBy(s.Db, a[1], delta);
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Integer);
    }

    private static void IncrByArg(RespSession s, RespCommandArgs a, RespWriter w, bool negate)
    {
        if (!RespArg.TryParseInt64(a[2], out long delta))
        {
            w.Error(RespErrors.NotInteger);
            return;
        }
        if (negate)
        {
            if (delta == long.MinValue)
            {
                w.Error(RespErrors.DecrementOverflow);
                return;
            }
            delta = -delta;
        }
        IncrBy(s, a, w, delta);
    }
}
