using System.Globalization;
using System.Text;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

// Each write command as one script call (RedisScripts), with the engine's result shapes (WriteCommand's docs).
public sealed partial class RedisDataStore
{
    public ExecResult Execute(WriteCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var result = command switch
        {
            SetCommand c => Set(c),
            DeleteCommand c => Delete(c),
            ExpireCommand c => Simple(c.Db, RedisScripts.Expire, [c.Key], c.ExpiresAt, (int)c.Condition, Now),
            PersistCommand c => Simple(c.Db, RedisScripts.Persist, [c.Key]),
            IncrByCommand { Mode: IncrMode.Signed } c => Simple(c.Db, RedisScripts.IncrBy, [c.Key], c.Delta),
            IncrByCommand c => MemcachedCounter(c),
            AppendCommand c => Append(c),
            MSetCommand c => MSet(c),
            RenameCommand c => Rename(c),
            SAddCommand c => Simple(c.Db, RedisScripts.SetMembers, [c.Key], ["SADD", .. c.Members]),
            SRemCommand c => Simple(c.Db, RedisScripts.SetMembers, [c.Key], ["SREM", .. c.Members]),
            SPopCommand c => SPop(c),
            FlushDbCommand c => Flush(c.Db, c.Db + 1),
            FlushAllCommand => Flush(0, Databases),
            GetDelCommand c => GetDel(c),
            GetExCommand c => GetEx(c),
            // A lease command that only changes the expiry is a touch (mg T); leases and stale items themselves are
            // per-item state of the in-memory engine (docs/storage.md).
            LeaseCommand { Vivify: false, RecacheBefore: 0 } c => Touch(c),
            InvalidateCommand or LeaseCommand => throw new StorageNotSupportedException(
                "not supported with --storage redis: memcached leases and stale items (mg N, mg R, md I)"),
            _ => throw new NotSupportedException($"Unknown write command {command.GetType().Name}."),
        };
        NoteWrite(command, result);
        return result;
    }

    private ExecResult Simple(int db, RedisScript script, IReadOnlyList<byte[]> keys, params object[] args)
    {
        var reply = Run(db, script, keys, args);
        if (reply.IsError || Status(reply) == "E") return Failure(reply);
        return ExecResult.Int(reply.Items![1].AsInteger());
    }

    private ExecResult Set(SetCommand c)
    {
        int options = ((c.Options & SetOptions.KeepTtl) != 0 ? 1 : 0) + ((c.Options & SetOptions.ReturnOld) != 0 ? 2 : 0);
        var reply = Run(c.Db, RedisScripts.Set, [c.Key], c.Value, (int)c.Condition, c.ExpiresAt, options, c.ClientFlags,
            c.ContentType ?? "", c.ExpectedCas, Now);
        if (reply.IsError) return Failure(reply);
        var items = reply.Items!;
        return Status(reply) switch
        {
            "K" => new ExecResult
            {
                Status = ExecStatus.Ok,
                Value = items[1].Bulk,
                Item = new StringItem(c.Value, c.ClientFlags, (ulong)items[2].AsInteger(), c.ExpiresAt, c.ContentType),
            },
            "N" => new ExecResult { Status = ExecStatus.NotPerformed, Value = items[1].Bulk },
            "M" => ExecResult.Of(ExecStatus.Missing),
            "C" => ExecResult.Of(ExecStatus.CasMismatch),
            _ => Failure(reply),
        };
    }

    // memcached incr/decr are unsigned 64-bit with wrap and floor, which Lua's doubles cannot do exactly: the new value
    // is computed here and stored only if the value is still the one read (retried otherwise).
    private ExecResult MemcachedCounter(IncrByCommand c)
    {
        for (int attempt = 0; ; attempt++)
        {
            var read = TryGet(c.Db, c.Key, out var item);
            if (read == ReadStatus.WrongType) return ExecResult.Fail(PurpleError.WrongType);
            if (read == ReadStatus.Missing) return ExecResult.Of(ExecStatus.Missing);
            if (!CounterText.TryParseMemcached(item.Value, out ulong current)) return ExecResult.Fail(PurpleError.NotInteger);
            ulong delta = unchecked((ulong)c.Delta);
            ulong next = c.Mode == IncrMode.MemcachedIncr ? unchecked(current + delta) : (delta > current ? 0 : current - delta);
            var reply = Run(c.Db, RedisScripts.ReplaceIfUnchanged, [c.Key], item.Value,
                Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture)));
            if (reply.IsError) return Failure(reply);
            switch (Status(reply))
            {
                case "K":
                    return new ExecResult
                    {
                        Status = ExecStatus.Ok, Integer = unchecked((long)next),
                        Item = item with { Cas = (ulong)reply.Items![1].AsInteger() },
                    };
                case "M":
                    return ExecResult.Of(ExecStatus.Missing);
                case "C" when attempt < 100:
                    continue;
                default:
                    throw new StorageUnavailableException("redis: a counter kept changing under concurrent updates");
            }
        }
    }

    private ExecResult Append(AppendCommand c)
    {
        var reply = Run(c.Db, RedisScripts.Append, [c.Key], c.Value, c.Prepend ? 1 : 0, c.MustExist ? 1 : 0);
        if (reply.IsError) return Failure(reply);
        return Status(reply) switch
        {
            "K" => ExecResult.Int(reply.Items![1].AsInteger()),
            "M" => ExecResult.Of(ExecStatus.Missing),
            _ => Failure(reply),
        };
    }

    // One script per slot (one in all, off a cluster): each part atomic, the whole over several slots of a cluster
    // not (as cluster clients' non-atomic MSET). MSETNX's condition is over every key, so it cannot be split.
    private ExecResult MSet(MSetCommand c)
    {
        var groups = BySlot(c.Db, c.Keys);
        if (c.OnlyIfNoneExist && groups.Count > 1) throw CrossSlot();
        foreach (var group in groups)
        {
            var args = new object[1 + group.Indexes.Count];
            args[0] = c.OnlyIfNoneExist ? 1 : 0;
            for (int i = 0; i < group.Indexes.Count; i++) args[i + 1] = c.Values[group.Indexes[i]];
            var reply = RunOn(c.Db, [.. group.Names], RedisScripts.MSet, args);
            if (reply.IsError) return Failure(reply);
            if (reply.Items![1].AsInteger() != 1) return new ExecResult { Status = ExecStatus.NotPerformed, Integer = 0 };
        }
        return ExecResult.Int(1);
    }

    private ExecResult Rename(RenameCommand c)
    {
        var reply = Run(c.Db, RedisScripts.Rename, [c.Source, c.Destination], c.OnlyIfTargetMissing ? 1 : 0);
        if (reply.IsError || Status(reply) == "E") return Failure(reply);
        return reply.Items![1].AsInteger() == 1 ? ExecResult.Int(1) : new ExecResult { Status = ExecStatus.NotPerformed };
    }

    private ExecResult SPop(SPopCommand c)
    {
        var reply = Run(c.Db, RedisScripts.SPop, [c.Key], c.Count < 0 ? -1 : c.Count);
        if (reply.IsError || Status(reply) == "E") return Failure(reply);
        var popped = reply.Items![1];
        if (c.Count < 0) return ExecResult.Bytes(popped.Bulk);
        return ExecResult.Many(popped.Items?.Select(i => i.Bulk!).ToArray() ?? []);
    }

    // On a cluster a DEL of keys in several slots is one script per slot (as cluster clients split it): each slot's
    // part is atomic, the whole is not.
    private ExecResult Delete(DeleteCommand c)
    {
        long deleted = 0;
        foreach (var group in BySlot(c.Db, c.Keys))
        {
            var reply = RunOn(c.Db, [.. group.Names], RedisScripts.Delete);
            if (reply.IsError || Status(reply) == "E") return Failure(reply);
            deleted += reply.Items![1].AsInteger();
        }
        return ExecResult.Int(deleted);
    }

    private ExecResult Flush(int from, int to)
    {
        if (_cluster is not null) return ClusterFlush(from, to);
        for (int db = from; db < to; db++)
        {
            var reply = _client!.Call(db, "FLUSHDB");
            if (reply.IsError) throw new StorageUnavailableException("redis refused FLUSHDB: " + reply.Text);
        }
        return ExecResult.Ok();
    }

    private ExecResult GetDel(GetDelCommand c)
    {
        var reply = Run(c.Db, RedisScripts.GetDel, [c.Key]);
        if (reply.IsError || Status(reply) == "E") return Failure(reply);
        var value = reply.Items![1].Bulk;
        return new ExecResult { Status = ExecStatus.Ok, Value = value, Item = value is null ? default : new StringItem(value, 0, 0, 0, null) };
    }

    private ExecResult Touch(LeaseCommand c)
    {
        var result = GetEx(new GetExCommand(c.Db, c.Key, c.Expiry, c.ExpiresAt));
        if (!result.IsOk) return result;
        if (result.Value is null) return ExecResult.Of(ExecStatus.Missing);
        return result with { Integer = (long)LeaseOutcome.None };
    }

    private ExecResult GetEx(GetExCommand c)
    {
        long now = Now;
        var reply = Run(c.Db, RedisScripts.GetEx, [c.Key], (int)c.Action, c.ExpiresAt, now);
        if (reply.IsError || Status(reply) == "E") return Failure(reply);
        var items = reply.Items!;
        if (items[1].IsNull) return ExecResult.Bytes(null);
        var item = ItemFrom(items[1].Bulk!, items[2], items[3], items[4], items[5], now);
        return new ExecResult { Status = ExecStatus.Ok, Value = item.Value, Item = item };
    }

    /// <summary>A string and its metadata from a script's {value, pttl, flags, cas, content type}.</summary>
    private static StringItem ItemFrom(byte[] value, RedisReply pttl, RedisReply flags, RedisReply cas, RedisReply contentType, long now)
    {
        long ttl = pttl.AsInteger();
        string type = contentType.AsString();
        return new StringItem(value, (uint)flags.AsInteger(), (ulong)cas.AsInteger(), ttl > 0 ? now + ttl : 0, type.Length == 0 ? null : type);
    }
}
