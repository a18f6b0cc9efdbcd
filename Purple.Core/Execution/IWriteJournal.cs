using Purple.Core.Commands;

namespace Purple.Core.Execution;

/// <summary>
/// Receives every write the engine applies, with the time it was applied at, so a durable store can replay them
/// (docs/storage.md). Threading rule: <see cref="Record"/> is called while the engine holds the shard lock(s) the
/// command applies under, so two records of one key arrive in the order they were applied, and a multi-key command's
/// record is ordered against every key it touched. Implementations must be thread-safe and must not block: the
/// caller holds locks that other writers wait on (enqueue, and write elsewhere).
/// Evictions arrive as <see cref="DeleteCommand"/>s; expirations are not recorded (an expired key is expired on
/// replay too), nor are weak-policy demotions (cache data the GC may reclaim).
/// </summary>
public interface IWriteJournal
{
    void Record(long now, WriteCommand command);

    /// <summary>
    /// <see cref="Record"/> of a command already in its <see cref="CommandCodec"/> form (a write taken from a request's
    /// bytes, which has no record: docs/performance.md), under the same rules. <paramref name="command"/> is valid only
    /// during the call. A journal that stores the codec form copies it; the default decodes it into the record.
    /// </summary>
    void RecordEncoded(long now, ReadOnlySpan<byte> command) => Record(now, CommandCodec.Read(command));
}
