using Purple.Core.Commands;
using Purple.Core.Execution;
using Purple.Protocols.Metrics;

namespace Purple.Protocols.Memcached;

// set, add, replace, append, prepend, cas. The decoder has validated the line and read the data block.
public sealed partial class MemcachedSession
{
    private void Store_(MemcachedRequest r)
    {
        if (r.Error is "ERROR")
        {
            Writer.UnknownCommand();
            return;
        }
        if (r.Error is "CLIENT_ERROR bad command line format")
        {
            Writer.Line(r.Error);
            return;
        }
        bool reply = ReplyWanted(r);
        Count(MemcachedStat.CmdSet);
        if (r.Error is not null)
        {
            if (reply) Writer.Line(r.Error);
            return;
        }
        if (r.TooLarge)
        {
            Count(MemcachedStat.StoreTooLarge);
            Server.Metrics.Rejected(RejectReason.TooLarge);
            // memcached unlinks the old item of a failed set, so a reader never gets the stale value.
            if (r.Command == MemcachedCommand.Set) Store.Execute(new DeleteCommand(MemcachedServerContext.Db, [r.ToArray(1)]));
            if (reply) Writer.Raw("SERVER_ERROR object too large for cache\r\n"u8);
            return;
        }
        byte[] key = r.ToArray(1);
        byte[] value = r.Value!;
        long expiresAt = ExpiresAt(r.Exptime);
        ExecResult result = r.Command switch
        {
            MemcachedCommand.Set => Store.Execute(new SetCommand(MemcachedServerContext.Db, key, value, expiresAt, ClientFlags: r.ClientFlags)),
            MemcachedCommand.Add => Store.Execute(new SetCommand(MemcachedServerContext.Db, key, value, expiresAt, SetCondition.IfNotExists, ClientFlags: r.ClientFlags)),
            MemcachedCommand.Replace => Store.Execute(new SetCommand(MemcachedServerContext.Db, key, value, expiresAt, SetCondition.IfExists, ClientFlags: r.ClientFlags)),
            MemcachedCommand.Cas => Store.Execute(new SetCommand(MemcachedServerContext.Db, key, value, expiresAt, SetCondition.IfCasMatches,
                ClientFlags: r.ClientFlags, ExpectedCas: r.CasUnique)),
            // append/prepend ignore the line's flags and exptime and keep the item's.
            _ => Store.Execute(new AppendCommand(MemcachedServerContext.Db, key, value, Prepend: r.Command == MemcachedCommand.Prepend, MustExist: true)),
        };
        if (r.Command == MemcachedCommand.Cas)
        {
            Count(result.Status switch
            {
                ExecStatus.Ok => MemcachedStat.CasHits,
                ExecStatus.CasMismatch => MemcachedStat.CasBadval,
                _ => MemcachedStat.CasMisses,
            });
        }
        if (result.IsOk) Count(MemcachedStat.TotalItems);
        if (!reply) return;
        if (IsOutOfMemory(result))
        {
            Count(MemcachedStat.StoreNoMemory);
            Writer.Raw("SERVER_ERROR out of memory storing object\r\n"u8);
            return;
        }
        Writer.Raw(result.Status switch
        {
            ExecStatus.Ok => "STORED\r\n"u8,
            ExecStatus.CasMismatch => "EXISTS\r\n"u8,
            ExecStatus.Missing when r.Command == MemcachedCommand.Cas => "NOT_FOUND\r\n"u8,
            // add on an existing key, replace/append/prepend on a missing one, append to a Redis set.
            _ => "NOT_STORED\r\n"u8,
        });
    }
}
