using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Memcached;

// delete, incr, decr, touch.
public sealed partial class MemcachedSession
{
    private void Delete(MemcachedRequest r)
    {
        // "delete <key> [0] [noreply]": the 0 is a legacy hold time memcached still accepts when it is zero.
        int count = r.TokenCount - (r.NoReply ? 1 : 0);
        if (count < 2 || count > 3 || (count == 3 && !r[2].SequenceEqual("0"u8)))
        {
            if (count < 2) Writer.UnknownCommand();
            else Writer.Line("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
            return;
        }
        if (!MemcachedKeys.IsValid(r[1], Limits))
        {
            Writer.Line("CLIENT_ERROR bad command line format");
            return;
        }
        var result = Store.Execute(new DeleteCommand(MemcachedServerContext.Db, [r.ToArray(1)]));
        bool deleted = result.Integer > 0;
        Count(deleted ? MemcachedStat.DeleteHits : MemcachedStat.DeleteMisses);
        if (ReplyWanted(r)) Writer.Raw(deleted ? "DELETED\r\n"u8 : "NOT_FOUND\r\n"u8);
    }

    private void Arithmetic(MemcachedRequest r, bool decrement)
    {
        if (r.TokenCount is not (3 or 4))
        {
            Writer.UnknownCommand();
            return;
        }
        if (!MemcachedKeys.IsValid(r[1], Limits))
        {
            Writer.Line("CLIENT_ERROR bad command line format");
            return;
        }
        if (!MemcachedDecoder.TryParseUInt64(r[2], out ulong delta))
        {
            Writer.Line("CLIENT_ERROR invalid numeric delta argument");
            return;
        }
        var mode = decrement ? IncrMode.MemcachedDecr : IncrMode.MemcachedIncr;
        var result = Store.Execute(new IncrByCommand(MemcachedServerContext.Db, r.ToArray(1), unchecked((long)delta), mode));
        bool hit = result.IsOk;
        Count(decrement ? (hit ? MemcachedStat.DecrHits : MemcachedStat.DecrMisses) : (hit ? MemcachedStat.IncrHits : MemcachedStat.IncrMisses));
        if (!ReplyWanted(r)) return;
        if (hit) Writer.UnsignedLine(unchecked((ulong)result.Integer));
        else if (result.Status == ExecStatus.Missing) Writer.Raw("NOT_FOUND\r\n"u8);
        else if (result.Error == PurpleError.OutOfMemory) Writer.Raw("SERVER_ERROR out of memory\r\n"u8);
        // Not a number, or a key holding a Redis set: memcached's text for both.
        else Writer.Raw("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"u8);
    }

    private void Touch(MemcachedRequest r)
    {
        if (r.TokenCount is not (3 or 4))
        {
            Writer.UnknownCommand();
            return;
        }
        if (!MemcachedKeys.IsValid(r[1], Limits))
        {
            Writer.Line("CLIENT_ERROR bad command line format");
            return;
        }
        if (!MemcachedDecoder.TryParseInt64(r[2], out long exptime))
        {
            Writer.Line("CLIENT_ERROR invalid exptime argument");
            return;
        }
        Count(MemcachedStat.CmdTouch);
        bool touched = TouchKey(r.ToArray(1), ExpiresAt(exptime), out _);
        Count(touched ? MemcachedStat.TouchHits : MemcachedStat.TouchMisses);
        if (ReplyWanted(r)) Writer.Raw(touched ? "TOUCHED\r\n"u8 : "NOT_FOUND\r\n"u8);
    }

    /// <summary>Sets a string's expiry (0: none). False when the key is missing or not a string.</summary>
    private bool TouchKey(byte[] key, long expiresAt, out StringItem item)
    {
        var action = expiresAt == 0 ? GetExAction.Persist : GetExAction.SetExpiry;
        var result = Store.Execute(new GetExCommand(MemcachedServerContext.Db, key, action, expiresAt));
        item = result.Item;
        return result.IsOk && result.Value is not null;
    }
}
