using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors;

// The hot writes taken straight from a request's bytes (IDataStore.SpanWrites.cs): the same rules as Execute with the
// record, minus the record and the arrays a write does not keep. A journal gets the record's codec form, encoded from
// the spans before the lock is taken (docs/performance.md, "Writes from the parsed request").
public sealed partial class PurpleEngine
{
    public ExecResult SetString(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt = 0,
        SetCondition condition = SetCondition.Always, SetOptions options = SetOptions.None)
    {
        SpanWriteRules.CheckCondition(condition);
        if (!MayWrite(out long now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        using var record = EncodedRecord.For(Journal);
        if (record.Output is { } output) CommandCodec.WriteSet(output, db, key, value, expiresAt, condition, options);
        var write = new StringWrite { Key = key, Value = value, ExpiresAt = expiresAt, Condition = condition, Options = options };
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var result = shard.Set(db, write, hash, now);
            record.Submit(now);
            return result;
        }
    }

    public ExecResult IncrementBy(int db, ReadOnlySpan<byte> key, long delta)
    {
        if (!MayWrite(out long now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        using var record = EncodedRecord.For(Journal);
        if (record.Output is { } output) CommandCodec.WriteIncrBy(output, db, key, delta);
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var result = shard.IncrBy(db, key, null, delta, IncrMode.Signed, hash, now, withItem: false);
            record.Submit(now);
            return result;
        }
    }

    public ExecResult AddMembers(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> members)
    {
        if (!MayWrite(out long now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        using var record = EncodedRecord.For(Journal);
        if (record.Output is { } output) CommandCodec.WriteSAdd(output, db, key, buffer, members);
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var result = shard.SAdd(db, key, null, MemberList.Of(buffer, members), hash, now);
            record.Submit(now);
            return result;
        }
    }

    public ExecResult SetMany(int db, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> keysAndValues, bool onlyIfNoneExist)
    {
        SpanWriteRules.PairCount(keysAndValues);
        if (!MayWrite(out long now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        using var record = EncodedRecord.For(Journal);
        if (record.Output is { } output) CommandCodec.WriteMSet(output, db, buffer, keysAndValues, onlyIfNoneExist);
        return MSet(db, KeyValueList.Of(buffer, keysAndValues), onlyIfNoneExist, now, adoptValues: false, command: null, record);
    }

    /// <summary>Execute's clock read and OOM rule, for a write that may grow the data.</summary>
    private bool MayWrite(out long now)
    {
        now = Now();
        if (EnsureCapacity(now)) return true;
        Interlocked.Increment(ref _outOfMemoryRejections);
        return false;
    }
}
