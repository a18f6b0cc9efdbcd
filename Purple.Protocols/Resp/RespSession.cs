using System.Net;
using Purple.Core.Execution;

namespace Purple.Protocols.Resp;

/// <summary>
/// One RESP connection's state. Used only by that connection's own read loop, so nothing here is
/// locked; other threads only read the fields CLIENT LIST shows.
/// </summary>
public sealed class RespSession
{
    private readonly Action? _abort;

    public RespSession(RespServerContext server, EndPoint? remote, EndPoint? local, Action? abort = null)
    {
        Server = server;
        Remote = remote;
        Local = local;
        _abort = abort;
        CreatedAt = server.Time.GetUtcNow();
        LastInteractionTimestamp = server.Time.GetTimestamp();
        Authenticated = !server.Auth.Required;
        Id = server.Clients.Register(this);
    }

    /// <summary>False until AUTH or HELLO … AUTH succeeds, when the node has a password; RESET clears it again.</summary>
    public bool Authenticated { get; internal set; }

    public RespServerContext Server { get; }
    public IDataStore Store => Server.Store;
    public long Id { get; }
    public EndPoint? Remote { get; }
    public EndPoint? Local { get; }
    public DateTimeOffset CreatedAt { get; }
    /// <summary>
    /// When requests last arrived, as <see cref="TimeProvider.GetTimestamp"/> of the server's clock: read once per read
    /// batch, and the monotonic clock is a plain vDSO read where the wall clock (DateTime.UtcNow) goes through a P/Invoke
    /// with a GC transition.
    /// </summary>
    public long LastInteractionTimestamp { get; internal set; }
    public string LastCommand { get; internal set; } = "NULL";
    public string? Name { get; internal set; }
    public string? LibraryName { get; internal set; }
    public string? LibraryVersion { get; internal set; }
    public int Db { get; internal set; }
    public int Protocol { get; internal set; } = 2;

    /// <summary>Written only by this connection's thread; summed by the registry.</summary>
    internal long CommandsProcessed;

    /// <summary>When the current command's time started: set when a read batch starts, then at each command's end.</summary>
    internal long CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Read batches left before the handler looks ahead for keys to prefetch again (RespConnectionHandler.PrefetchAhead).</summary>
    internal int LookAheadPause;

    /// <summary>Set by QUIT or CLIENT KILL: the read loop flushes and closes.</summary>
    public bool Closing { get; internal set; }

    internal RespTransaction? Transaction { get; set; }

    /// <summary>The keys under WATCH, until EXEC, DISCARD, UNWATCH, RESET or the connection's end (<see cref="ClearWatches"/>).</summary>
    internal List<KeyWatch>? Watched { get; private set; }

    internal void Watch(KeyWatch watch) => (Watched ??= []).Add(watch);

    /// <summary>Ends every watch: a store may keep state for one (a key watched while missing) until it ends.</summary>
    internal void ClearWatches()
    {
        var watched = Watched;
        Watched = null;
        if (watched is null) return;
        foreach (var watch in watched) watch.Dispose();
    }

    /// <summary>Runs one parsed request and writes its reply.</summary>
    public void Execute(RespCommandArgs args, RespWriter writer)
    {
        var spec = RespCommandTable.Find(args[0]);
        if (spec is null)
        {
            Transaction?.Poison();
            writer.Error(RespErrors.UnknownCommand(args));
            CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();
            return;
        }
        if (!spec.AcceptsArgCount(args.Count))
        {
            Transaction?.Poison();
            writer.Error(RespErrors.Arity(spec.Name));
            CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();
            return;
        }
        if (!Authenticated && (spec.Flags & RespCommandFlags.NoAuth) == 0)
        {
            // Redis checks the command and its arity first, then authentication; the refusal aborts a MULTI.
            Transaction?.Poison();
            writer.Error(RespErrors.NoAuth);
            Server.Metrics.Rejected(Metrics.RejectReason.Unauthenticated);
            CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();
            return;
        }
        if (Transaction is not null && (spec.Flags & RespCommandFlags.NoQueue) == 0)
        {
            Transaction.Enqueue(spec, args);
            writer.SimpleString("QUEUED"u8);
            CommandClock = System.Diagnostics.Stopwatch.GetTimestamp();
            return;
        }
        Run(spec, args, writer);
    }

    internal void Run(RespCommandSpec spec, RespCommandArgs args, RespWriter writer)
    {
        CommandsProcessed++;
        LastCommand = spec.Name;
        long start = CommandClock;
        try
        {
            spec.Handler!(this, args, writer);
        }
        catch (Purple.Core.Execution.StorageException ex)
        {
            // An external store failed the call (docs/storage.md): this command fails, the connection goes on.
            writer.Error("ERR " + ex.Message);
        }
        // One clock read per command: this command's end starts the next one's time (parsing included).
        long end = System.Diagnostics.Stopwatch.GetTimestamp();
        Server.Metrics.Commands.RecordTicks(spec.MetricsSlot, end - start);
        CommandClock = end;
    }

    internal void Kill()
    {
        Closing = true;
        _abort?.Invoke();
    }

    internal void Close()
    {
        ClearWatches();
        Server.Clients.Unregister(this);
    }
}
