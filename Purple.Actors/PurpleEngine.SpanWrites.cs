using System.Buffers;
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
        var write = new StringWrite { Key = key, Value = value, ExpiresAt = expiresAt, Condition = condition, Options = options };
        var (shard, hash) = Route(key);
        if (Journal is not { } journal)
        {
            lock (shard.Gate) return shard.Set(db, write, hash, now);
        }
        var encoded = EncodingBuffer();
        CommandCodec.WriteSet(encoded, db, key, value, expiresAt, condition, options);
        try
        {
            lock (shard.Gate)
            {
                var result = shard.Set(db, write, hash, now);
                journal.RecordEncoded(now, encoded.WrittenSpan);
                return result;
            }
        }
        finally
        {
            Done(encoded);
        }
    }

    public ExecResult IncrementBy(int db, ReadOnlySpan<byte> key, long delta)
    {
        if (!MayWrite(out long now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        var (shard, hash) = Route(key);
        if (Journal is not { } journal)
        {
            lock (shard.Gate) return shard.IncrBy(db, key, null, delta, IncrMode.Signed, hash, now, withItem: false);
        }
        var encoded = EncodingBuffer();
        CommandCodec.WriteIncrBy(encoded, db, key, delta);
        try
        {
            lock (shard.Gate)
            {
                var result = shard.IncrBy(db, key, null, delta, IncrMode.Signed, hash, now, withItem: false);
                journal.RecordEncoded(now, encoded.WrittenSpan);
                return result;
            }
        }
        finally
        {
            Done(encoded);
        }
    }

    public ExecResult AddMembers(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> members)
    {
        if (!MayWrite(out long now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        var (shard, hash) = Route(key);
        if (Journal is not { } journal)
        {
            lock (shard.Gate) return shard.SAdd(db, key, null, MemberList.Of(buffer, members), hash, now);
        }
        var encoded = EncodingBuffer();
        CommandCodec.WriteSAdd(encoded, db, key, buffer, members);
        try
        {
            lock (shard.Gate)
            {
                var result = shard.SAdd(db, key, null, MemberList.Of(buffer, members), hash, now);
                journal.RecordEncoded(now, encoded.WrittenSpan);
                return result;
            }
        }
        finally
        {
            Done(encoded);
        }
    }

    public ExecResult SetMany(int db, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> keysAndValues, bool onlyIfNoneExist)
    {
        SpanWriteRules.PairCount(keysAndValues);
        if (!MayWrite(out long now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        var pairs = KeyValueList.Of(buffer, keysAndValues);
        if (Journal is null) return MSet(db, pairs, onlyIfNoneExist, now, adoptValues: false, record: null, encoded: default);
        var encoded = EncodingBuffer();
        CommandCodec.WriteMSet(encoded, db, buffer, keysAndValues, onlyIfNoneExist);
        try
        {
            return MSet(db, pairs, onlyIfNoneExist, now, adoptValues: false, record: null, encoded.WrittenSpan);
        }
        finally
        {
            Done(encoded);
        }
    }

    /// <summary>Execute's clock read and OOM rule, for a write that may grow the data.</summary>
    private bool MayWrite(out long now)
    {
        now = Now();
        if (EnsureCapacity(now)) return true;
        Interlocked.Increment(ref _outOfMemoryRejections);
        return false;
    }

    // One per thread, reused write after write; one a huge MSET grew is let go rather than kept by the thread.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_encoding;
    private const int KeepEncodingBufferUpTo = 64 * 1024;

    private static ArrayBufferWriter<byte> EncodingBuffer()
    {
        var buffer = t_encoding ?? new ArrayBufferWriter<byte>(256);
        t_encoding = null;
        buffer.ResetWrittenCount();
        return buffer;
    }

    private static void Done(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= KeepEncodingBufferUpTo) t_encoding = buffer;
    }
}
