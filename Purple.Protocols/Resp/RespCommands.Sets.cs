using System.Security.Cryptography;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Resp;

internal static partial class RespCommands
{
    internal static IEnumerable<RespCommandSpec> SetCommands() =>
    [
        new() { Name = "sadd", Arity = -3, Flags = WriteFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "set",
            Summary = "Adds one or more members to a set. Creates the key if it doesn't exist.", Syntax = "key member [member ...]",
            Handler = SAdd, AclCategories = ["@write", "@set", "@fast"] },
        new() { Name = "srem", Arity = -3, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "set",
            Summary = "Removes one or more members from a set. Deletes the set if the last member was removed.", Syntax = "key member [member ...]",
            Handler = SRem, AclCategories = ["@write", "@set", "@fast"] },
        new() { Name = "smembers", Arity = 2, Flags = ReadFlags, FirstKey = 1, LastKey = 1, Step = 1, Group = "set",
            Summary = "Returns all members of a set.", Complexity = "O(N) where N is the set cardinality.", Syntax = "key",
            Handler = SMembers, AclCategories = ["@read", "@set", "@slow"] },
        new() { Name = "sismember", Arity = 3, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "set",
            Summary = "Determines whether a member belongs to a set.", Syntax = "key member", Handler = SIsMember, AclCategories = ["@read", "@set", "@fast"] },
        new() { Name = "smismember", Arity = -3, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "set", Since = "6.2.0",
            Summary = "Determines whether multiple members belong to a set.", Complexity = "O(N) where N is the number of elements being checked for membership",
            Syntax = "key member [member ...]", Handler = SMIsMember, AclCategories = ["@read", "@set", "@fast"] },
        new() { Name = "scard", Arity = 2, Flags = ReadFlags | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "set",
            Summary = "Returns the number of members in a set.", Syntax = "key", Handler = SCard, AclCategories = ["@read", "@set", "@fast"] },
        new() { Name = "spop", Arity = -2, Flags = RespCommandFlags.Write | RespCommandFlags.Fast, FirstKey = 1, LastKey = 1, Step = 1, Group = "set",
            Summary = "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.",
            Complexity = "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
            Syntax = "key [count]", Handler = SPop, AclCategories = ["@write", "@set", "@fast"] },
        new() { Name = "srandmember", Arity = -2, Flags = ReadFlags, FirstKey = 1, LastKey = 1, Step = 1, Group = "set",
            Summary = "Get one or multiple random members from a set",
            Complexity = "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
            Syntax = "key [count]", Handler = SRandMember, AclCategories = ["@read", "@set", "@slow"] },
        CombineSpec("sinter", SetOperation.Intersect, "Returns the intersect of multiple sets."),
        CombineSpec("sunion", SetOperation.Union, "Returns the union of multiple sets."),
        CombineSpec("sdiff", SetOperation.Difference, "Returns the difference of multiple sets."),
        new() { Name = "sscan", Arity = -3, Flags = ReadFlags, FirstKey = 1, LastKey = 1, Step = 1, Group = "set", Since = "2.8.0",
            Summary = "Iterates over members of a set.", Complexity = "O(1) for every call. O(N) for a complete iteration.",
            Syntax = "key cursor [MATCH pattern] [COUNT count]", Handler = SScan, AclCategories = ["@read", "@set", "@slow"] },
    ];

    private static RespCommandSpec CombineSpec(string name, SetOperation op, string summary) => new()
    {
        Name = name, Arity = -2, Flags = ReadFlags, FirstKey = 1, LastKey = -1, Step = 1, Group = "set", Summary = summary,
        Complexity = "O(N) where N is the total number of elements in all given sets.", Syntax = "key [key ...]",
        Handler = (s, a, w) => SCombine(s, a, w, op), AclCategories = ["@read", "@set", "@slow"],
    };

    private static void SAdd(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.AddMembers(s.Db, a[1], a.Buffer, a.Slices(2));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Integer);
    }

    private static void SRem(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var result = s.Store.Execute(new SRemCommand(s.Db, a.ToArray(1), Copy(a, 2)));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Integer(result.Integer);
    }

    private static void SMembers(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var status = s.Store.SetMembers(s.Db, a[1], out var members);
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else WriteSet(w, status == ReadStatus.Found ? members : []);
    }

    private static void SIsMember(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var status = s.Store.SetContains(s.Db, a[1], a[2], out bool contains);
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else w.Integer(status == ReadStatus.Found && contains ? 1 : 0);
    }

    private static void SMIsMember(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var status = s.Store.SetContainsMany(s.Db, a[1], Copy(a, 2), out bool[] contains);
        if (status == ReadStatus.WrongType)
        {
            w.Error(RespErrors.WrongType);
            return;
        }
        w.ArrayHeader(a.Count - 2);
        for (int i = 0; i < a.Count - 2; i++) w.Integer(status == ReadStatus.Found && contains[i] ? 1 : 0);
    }

    private static void SCard(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var status = s.Store.SetCardinality(s.Db, a[1], out long count);
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else w.Integer(status == ReadStatus.Found ? count : 0);
    }

    private static void SPop(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.Count > 3)
        {
            w.Error(RespErrors.Syntax);
            return;
        }
        long count = -1;
        if (a.Count == 3 && (!RespArg.TryParseInt64(a[2], out count) || count < 0))
        {
            w.Error(RespErrors.MustBePositive);
            return;
        }
        // The randomness is drawn here, at the entry point, so applying the command stays deterministic.
        ulong seed = (ulong)RandomNumberGenerator.GetInt32(int.MaxValue) << 32 | (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        var result = s.Store.Execute(new SPopCommand(s.Db, a.ToArray(1), count, seed));
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else if (count < 0)
        {
            if (result.Value is null) w.Null();
            else w.Bulk(result.Value);
        }
        else WriteSet(w, result.Values ?? []);
    }

    private static void SRandMember(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.Count > 3)
        {
            w.Error(RespErrors.Syntax);
            return;
        }
        if (a.Count == 2)
        {
            var single = s.Store.SetRandomMembers(s.Db, a[1], 1, out var one);
            if (single == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
            else if (single == ReadStatus.Missing || one.Length == 0) w.Null();
            else w.Bulk(one[0]);
            return;
        }
        if (!RespArg.TryParseInt64(a[2], out long count))
        {
            w.Error(RespErrors.NotInteger);
            return;
        }
        if (count == long.MinValue)
        {
            w.Error(RespErrors.MustBePositive);
            return;
        }
        var status = s.Store.SetRandomMembers(s.Db, a[1], count, out var members);
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else WriteBulks(w, status == ReadStatus.Found ? members : []);
    }

    private static void SCombine(RespSession s, RespCommandArgs a, RespWriter w, SetOperation op)
    {
        var status = s.Store.SetCombine(s.Db, Copy(a, 1), op, out var members);
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else WriteSet(w, status == ReadStatus.Found ? members : []);
    }

    private static void SScan(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (!RespArg.TryParseCursor(a[2], out ulong cursor))
        {
            w.Error(RespErrors.InvalidCursor);
            return;
        }
        if (ScanOptionsError(a, 3, out var pattern, out int count, out _, out _) is { } error)
        {
            ErrorAfterLookup(s, w, a[1], DataType.Set, error, static w => WriteScanReply(w, 0, []));
            return;
        }
        var members = new List<byte[]>();
        var status = s.Store.SetScan(s.Db, a[1], cursor, pattern, count, members, out ulong next);
        if (status == ReadStatus.WrongType) w.Error(RespErrors.WrongType);
        else WriteScanReply(w, status == ReadStatus.Found ? next : 0, members);
    }
}
