using System.Collections.Concurrent;

namespace Purple.Protocols.Resp;

/// <summary>
/// The live RESP connections, for CLIENT LIST/KILL and INFO clients/stats. Per-connection counters are
/// plain fields written only by their own connection; totals add them up when asked, so the hot path
/// touches no shared cache line.
/// </summary>
public sealed class RespClientRegistry
{
    private readonly ConcurrentDictionary<long, RespSession> _sessions = new();
    private long _nextId;
    private long _retiredCommands;
    private long _connectionsReceived;
    private long _rejectedConnections;

    public int Count => _sessions.Count;

    public long ConnectionsReceived => Interlocked.Read(ref _connectionsReceived);

    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);

    public long CommandsProcessed
    {
        get
        {
            long total = Interlocked.Read(ref _retiredCommands);
            foreach (var s in _sessions.Values) total += Volatile.Read(ref s.CommandsProcessed);
            return total;
        }
    }

    public IEnumerable<RespSession> Sessions => _sessions.Values.OrderBy(s => s.Id);

    internal long Register(RespSession session)
    {
        long id = Interlocked.Increment(ref _nextId);
        Interlocked.Increment(ref _connectionsReceived);
        _sessions[id] = session;
        return id;
    }

    internal void Unregister(RespSession session)
    {
        if (_sessions.TryRemove(session.Id, out _))
        {
            Interlocked.Add(ref _retiredCommands, Volatile.Read(ref session.CommandsProcessed));
        }
    }

    internal bool TryGet(long id, out RespSession? session) => _sessions.TryGetValue(id, out session);

    public void ResetStats()
    {
        Interlocked.Exchange(ref _retiredCommands, 0);
        Interlocked.Exchange(ref _rejectedConnections, 0);
        foreach (var s in _sessions.Values) Volatile.Write(ref s.CommandsProcessed, 0);
    }
}
