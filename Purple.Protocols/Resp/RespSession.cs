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
        LastInteraction = CreatedAt;
        Id = server.Clients.Register(this);
    }

    public RespServerContext Server { get; }
    public IDataStore Store => Server.Store;
    public long Id { get; }
    public EndPoint? Remote { get; }
    public EndPoint? Local { get; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset LastInteraction { get; internal set; }
    public string LastCommand { get; internal set; } = "NULL";
    public string? Name { get; internal set; }
    public string? LibraryName { get; internal set; }
    public string? LibraryVersion { get; internal set; }
    public int Db { get; internal set; }
    public int Protocol { get; internal set; } = 2;

    /// <summary>Written only by this connection's thread; summed by the registry.</summary>
    internal long CommandsProcessed;

    /// <summary>Set by QUIT or CLIENT KILL: the read loop flushes and closes.</summary>
    public bool Closing { get; internal set; }

    internal RespTransaction? Transaction { get; set; }

    internal List<WatchedKey>? Watched { get; set; }

    internal readonly record struct WatchedKey(int Db, byte[] Key, ulong Version);

    /// <summary>Runs one parsed request and writes its reply.</summary>
    public void Execute(RespCommandArgs args, RespWriter writer)
    {
        var spec = RespCommandTable.Find(args[0]);
        if (spec is null)
        {
            Transaction?.Poison();
            writer.Error(RespErrors.UnknownCommand(args));
            return;
        }
        if (!spec.AcceptsArgCount(args.Count))
        {
            Transaction?.Poison();
            writer.Error(RespErrors.Arity(spec.Name));
            return;
        }
        if (Transaction is not null && (spec.Flags & RespCommandFlags.NoQueue) == 0)
        {
            Transaction.Enqueue(spec, args);
            writer.SimpleString("QUEUED"u8);
            return;
        }
        Run(spec, args, writer);
    }

    internal void Run(RespCommandSpec spec, RespCommandArgs args, RespWriter writer)
    {
        CommandsProcessed++;
        LastCommand = spec.Name;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        spec.Handler!(this, args, writer);
        Server.Metrics.Commands.Record(spec.MetricsSlot, start);
    }

    internal void Kill()
    {
        Closing = true;
        _abort?.Invoke();
    }

    internal void Close() => Server.Clients.Unregister(this);
}
