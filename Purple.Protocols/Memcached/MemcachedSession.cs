using Purple.Core;
using Purple.Core.Execution;

namespace Purple.Protocols.Memcached;

/// <summary>
/// One memcached connection: runs decoded requests against the engine (database 0) and writes memcached's
/// replies. Handlers are grouped by family in partial files. Not thread-safe: one per connection.
/// </summary>
public sealed partial class MemcachedSession
{
    /// <summary>memcached's REALTIME_MAXDELTA: an exptime up to 30 days is relative, beyond it a Unix time.</summary>
    private const long MaxRelativeExptime = 60 * 60 * 24 * 30;

    /// <summary>An absolute time in the past: stores with it leave nothing behind (memcached's negative exptime).</summary>
    private const long AlreadyExpired = 1;

    private readonly long[] _stats;

    public MemcachedSession(MemcachedServerContext server, MemcachedWriter writer)
    {
        Server = server;
        Writer = writer;
        _stats = server.Register();
        Authenticated = !server.Auth.Required;
    }

    /// <summary>False until a "set" carries "default &lt;password&gt;" as its value, when the node has a password.</summary>
    public bool Authenticated { get; private set; }

    public MemcachedServerContext Server { get; }
    public MemcachedWriter Writer { get; }
    private IDataStore Store => Server.Store;
    private MemcachedLimits Limits => Server.Limits;

    /// <summary>Set by "quit" (and by fatal protocol errors): the connection closes after flushing.</summary>
    public bool Closing { get; private set; }

    /// <summary>Ends the connection once what was written is flushed (a fatal protocol error).</summary>
    public void CloseAfterFlush() => Closing = true;

    internal void Count(MemcachedStat stat, long by = 1) => _stats[(int)stat] += by;

    /// <summary>Counts the bytes of a read batch and of its replies.</summary>
    public void CountBytes(long bytesRead)
    {
        _stats[(int)MemcachedStat.BytesRead] += bytesRead;
        _stats[(int)MemcachedStat.BytesWritten] += Writer.BytesWritten;
        Writer.BytesWritten = 0;
    }

    /// <summary>The connection is gone: its counts join the node's retired totals.</summary>
    public void Close() => Server.Retire(_stats);

    /// <summary>When the current command's time started: set when a read batch starts, then at each command's end.</summary>
    internal long CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();

    public void Execute(MemcachedRequest r)
    {
        if (!Authenticated)
        {
            Authenticate(r);
            CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();
            return;
        }
        Writer.Muted = r.NoReply && TakesNoReply(r.Command);
        try
        {
            Run(r);
        }
        catch (Purple.Core.Execution.StorageException ex)
        {
            // An external store failed the call (docs/storage.md): memcached's server-side error, the connection goes on.
            Writer.Muted = false;
            Writer.Raw(System.Text.Encoding.ASCII.GetBytes("SERVER_ERROR " + ex.Message.ReplaceLineEndings(" ") + "\r\n"));
        }
        finally
        {
            Writer.Muted = false;
            // One clock read per command: this command's end starts the next one's time (decoding included).
            long end = System.Diagnostics.Stopwatch.GetTimestamp();
            Server.Metrics.Commands.RecordTicks((int)r.Command, end - CommandClock);
            CommandClock = end;
        }
    }

    private static bool TakesNoReply(MemcachedCommand c) => MemcachedCommands.IsStorage(c) || c is MemcachedCommand.Delete or MemcachedCommand.Incr
        or MemcachedCommand.Decr or MemcachedCommand.Touch or MemcachedCommand.FlushAll or MemcachedCommand.Verbosity;

    private void Run(MemcachedRequest r)
    {
        switch (r.Command)
        {
            case MemcachedCommand.Get: Retrieve(r, withCas: false, touch: false); break;
            case MemcachedCommand.Gets: Retrieve(r, withCas: true, touch: false); break;
            case MemcachedCommand.Gat: Retrieve(r, withCas: false, touch: true); break;
            case MemcachedCommand.Gats: Retrieve(r, withCas: true, touch: true); break;
            case MemcachedCommand.Set or MemcachedCommand.Add or MemcachedCommand.Replace
                or MemcachedCommand.Append or MemcachedCommand.Prepend or MemcachedCommand.Cas: Store_(r); break;
            case MemcachedCommand.Delete: Delete(r); break;
            case MemcachedCommand.Incr: Arithmetic(r, decrement: false); break;
            case MemcachedCommand.Decr: Arithmetic(r, decrement: true); break;
            case MemcachedCommand.Touch: Touch(r); break;
            case MemcachedCommand.FlushAll: FlushAll(r); break;
            case MemcachedCommand.Version: Writer.Line("VERSION " + MemcachedServerContext.ProtocolVersion); break;
            case MemcachedCommand.Verbosity: Verbosity(r); break;
            case MemcachedCommand.Stats: Stats(r); break;
            case MemcachedCommand.Quit: Closing = true; break;
            case MemcachedCommand.MetaGet: MetaGet(r); break;
            case MemcachedCommand.MetaSet: MetaSet(r); break;
            case MemcachedCommand.MetaDelete: MetaDelete(r); break;
            case MemcachedCommand.MetaArithmetic: MetaArithmetic(r); break;
            case MemcachedCommand.MetaNoop: Writer.Raw("MN\r\n"u8); break;
            case MemcachedCommand.MetaDebug: MetaDebug(r); break;
            default: Writer.UnknownCommand(); break;
        }
    }

    /// <summary>
    /// memcached's exptime: 0 never expires, up to 30 days is seconds from now, larger is a Unix time,
    /// negative (or a Unix time already past) is expired at once. Returns Unix ms, 0 for none.
    /// </summary>
    internal long ExpiresAt(long exptime)
    {
        if (exptime == 0) return 0;
        if (exptime < 0) return AlreadyExpired;
        long now = Server.NowMs;
        if (exptime <= MaxRelativeExptime) return now + exptime * 1000;
        long at = exptime > long.MaxValue / 1000 ? long.MaxValue / 1000 * 1000 : exptime * 1000;
        return at <= now ? AlreadyExpired : at;
    }

    /// <summary>Seconds left before expiry as the "t" flag and "me" report it: -1 for none.</summary>
    internal long TtlSeconds(long expiresAt)
    {
        if (expiresAt == 0) return -1;
        long left = expiresAt - Server.NowMs;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    private bool ReplyWanted(MemcachedRequest r) => !Writer.Muted;

    private static bool IsOutOfMemory(in ExecResult result) => result.Status == ExecStatus.Failed && result.Error == PurpleError.OutOfMemory;
}
