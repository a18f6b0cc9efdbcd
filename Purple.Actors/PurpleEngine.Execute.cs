using Purple.Actors.Storage;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors;

public sealed partial class PurpleEngine
{
    /// <summary>Reads the clock once, applies the OOM rule, then applies the command deterministically.</summary>
    public ExecResult Execute(WriteCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        long now = Now();
        if (!FreesMemoryOnly(command) && !EnsureCapacity(now))
        {
            Interlocked.Increment(ref _outOfMemoryRejections);
            return ExecResult.Fail(PurpleError.OutOfMemory);
        }
        return Apply(command, now);
    }

    // Writes refused for lack of room, whatever the protocol (metrics: purple_writes_rejected_total).
    private long _outOfMemoryRejections;

    public bool CanAcceptWrite() => EnsureCapacity(Now());

    // Redis lets commands that can only shrink the dataset run even when it is out of memory, so a full
    // store can always be emptied. Marking stale and handing out a lease allocate nothing either; only
    // a lease that may create the key needs room.
    private static bool FreesMemoryOnly(WriteCommand command) => command.Code is
        CommandCode.Delete or CommandCode.GetDel or CommandCode.SRem or CommandCode.SPop or
        CommandCode.FlushDb or CommandCode.FlushAll or CommandCode.Persist or CommandCode.Expire or
        CommandCode.Invalidate || command is LeaseCommand { Vivify: false };

    /// <summary>
    /// Applies a write as of <paramref name="now"/> (Unix ms). Reads neither the clock nor a shared random source,
    /// so the journal or a Raft follower replaying the same commands with the same times reaches the same state.
    /// </summary>
    internal ExecResult Apply(WriteCommand command, long now)
    {
        switch (command)
        {
            case SetCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.Set(c, hash, now));
            case DeleteCommand c:
                return ExecResult.Int(DeleteKeys(c.Db, c.Keys, now));
            case ExpireCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.Expire(c, hash, now));
            case PersistCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.Persist(c, hash, now));
            case IncrByCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.IncrBy(c, hash, now));
            case AppendCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.Append(c, hash, now));
            case MSetCommand c:
                return MSet(c, now);
            case RenameCommand c:
                return Rename(c, now);
            case SAddCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.SAdd(c, hash, now));
            case SRemCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.SRem(c, hash, now));
            case SPopCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.SPop(c, hash, now));
            case FlushDbCommand c:
                Flush(c.Db, c, now);
                return ExecResult.Ok();
            case FlushAllCommand c:
                Flush(-1, c, now);
                return ExecResult.Ok();
            case GetDelCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.GetDel(c, hash, now));
            case GetExCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.GetEx(c, hash, now));
            case InvalidateCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.Invalidate(c, hash, now));
            case LeaseCommand c:
                return OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.Lease(c, hash, now));
            default:
                throw new NotSupportedException($"Unknown write command {command.GetType().Name}.");
        }
    }

    // One shape for every single-key write: route, lock the shard, apply. Static lambdas are cached
    // delegates, so this costs no allocation on the hot path.
    private ExecResult OnKey<TCommand>(TCommand command, byte[] key, long now, Func<Shard, TCommand, uint, long, ExecResult> apply)
        where TCommand : WriteCommand
    {
        var (shard, hash) = Route(key);
        lock (shard.Gate)
        {
            var result = apply(shard, command, hash, now);
            if (Journal is { } journal && JournalForm(shard, command, key, hash, result, now) is { } record) journal.Record(now, record);
            return result;
        }
    }
}
