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
        if (!FreesMemoryOnly(command) && !EnsureCapacity(now)) return ExecResult.Fail(PurpleError.OutOfMemory);
        return Apply(command, now);
    }

    public bool CanAcceptWrite() => EnsureCapacity(Now());

    // Redis lets commands that can only shrink the dataset run even when it is out of memory, so a full
    // store can always be emptied.
    private static bool FreesMemoryOnly(WriteCommand command) => command.Code is
        CommandCode.Delete or CommandCode.GetDel or CommandCode.SRem or CommandCode.SPop or
        CommandCode.FlushDb or CommandCode.FlushAll or CommandCode.Persist or CommandCode.Expire;

    /// <summary>
    /// Applies a write as of <paramref name="now"/> (Unix ms). Reads neither the clock nor a shared random source,
    /// so the journal or a Raft follower replaying the same commands with the same times reaches the same state.
    /// </summary>
    internal ExecResult Apply(WriteCommand command, long now)
    {
        switch (command)
        {
            case SetCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.Set(c, hash, now);
            }
            case DeleteCommand c:
                return ExecResult.Int(DeleteKeys(c.Db, c.Keys, now));
            case ExpireCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.Expire(c, hash, now);
            }
            case PersistCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.Persist(c, hash, now);
            }
            case IncrByCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.IncrBy(c, hash, now);
            }
            case AppendCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.Append(c, hash, now);
            }
            case MSetCommand c:
                return MSet(c, now);
            case RenameCommand c:
                return Rename(c, now);
            case SAddCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.SAdd(c, hash, now);
            }
            case SRemCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.SRem(c, hash, now);
            }
            case SPopCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.SPop(c, hash, now);
            }
            case FlushDbCommand c:
                Flush(c.Db);
                return ExecResult.Ok();
            case FlushAllCommand:
                Flush(-1);
                return ExecResult.Ok();
            case GetDelCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.GetDel(c, hash, now);
            }
            case GetExCommand c:
            {
                var (shard, hash) = Route(c.Key);
                lock (shard.Gate) return shard.GetEx(c, hash, now);
            }
            default:
                throw new NotSupportedException($"Unknown write command {command.GetType().Name}.");
        }
    }
}
