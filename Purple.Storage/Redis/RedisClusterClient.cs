using System.Globalization;
using Purple.Core.Execution;

namespace Purple.Storage.Redis;

/// <summary>
/// A Redis Cluster seen as one store (docs/storage.md, "Redis Cluster"): a <see cref="RedisClient"/> per master, the
/// slot map from <c>CLUSTER SLOTS</c>, and Redis's redirections followed — <c>MOVED</c> refreshes the map and sends
/// the command to the slot's new owner, <c>ASK</c> sends it once to the importing node after <c>ASKING</c>,
/// <c>TRYAGAIN</c>/<c>CLUSTERDOWN</c> are retried until the command timeout. Only the commands that were redirected are
/// sent again, so a pipeline never runs a command twice. Thread-safe.
/// </summary>
public sealed class RedisClusterClient : IDisposable
{
    private const int MaxRedirects = 16;

    private readonly RedisEndpoint[] _seeds;
    private readonly int _connectionsPerNode;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RedisClient> _nodes = new(StringComparer.Ordinal);
    private RedisClient?[] _slots = new RedisClient?[RedisSlot.Count];
    private RedisClient[] _masters = [];
    private long _refreshedAt = long.MinValue;

    public RedisClusterClient(IReadOnlyList<RedisEndpoint> seeds, int connectionsPerNode = 2, TimeSpan? timeout = null)
    {
        if (seeds.Count == 0) throw new ArgumentException("a cluster needs at least one address", nameof(seeds));
        _seeds = [.. seeds];
        _connectionsPerNode = connectionsPerNode;
        Timeout = timeout ?? TimeSpan.FromSeconds(5);
    }

    public TimeSpan Timeout { get; }
    public string Name => string.Join(",", _seeds.Select(s => s.ToString()));
    public long Redirects;
    public long TopologyRefreshes;

    /// <summary>Connections opened to the cluster's nodes (the first of each included).</summary>
    public long Reconnects
    {
        get
        {
            lock (_gate) return _nodes.Values.Sum(n => Interlocked.Read(ref n.Reconnects));
        }
    }

    /// <summary>Commands that all address keys of <paramref name="slot"/>, sent as one pipeline to its owner.</summary>
    public RedisReply[] Pipeline(int slot, IReadOnlyList<IReadOnlyList<object>> commands)
    {
        var replies = new RedisReply[commands.Count];
        var todo = Enumerable.Range(0, commands.Count).ToList();
        RedisClient? target = null;
        bool asking = false;
        long deadline = Environment.TickCount64 + (long)Timeout.TotalMilliseconds;
        for (int round = 0; ; round++)
        {
            target ??= Owner(slot);
            var batch = new List<IReadOnlyList<object>>(todo.Count * (asking ? 2 : 1));
            foreach (int i in todo)
            {
                if (asking) batch.Add(["ASKING"]);
                batch.Add(commands[i]);
            }
            RedisReply[] answers;
            try
            {
                answers = target.Pipeline(0, batch);
            }
            catch (StorageUnavailableException)
            {
                // The node may have failed over to a replica: look at the map again before the next call.
                try
                {
                    RefreshSoon();
                }
                catch (StorageUnavailableException)
                {
                }
                throw;
            }
            var again = new List<int>();
            RedisClient? next = null;
            bool nextAsking = false, wait = false;
            for (int n = 0; n < todo.Count; n++)
            {
                var reply = answers[asking ? 2 * n + 1 : n];
                if (reply.IsError && Redirect(reply.Text!) is { } redirect)
                {
                    again.Add(todo[n]);
                    if (redirect.Kind == "MOVED")
                    {
                        next = Node(redirect.Address);
                        RefreshSoon();
                    }
                    else if (redirect.Kind == "ASK")
                    {
                        next ??= Node(redirect.Address);
                        nextAsking = true;
                    }
                    else
                    {
                        wait = true;
                    }
                    continue;
                }
                replies[todo[n]] = reply;
            }
            if (again.Count == 0) return replies;
            Interlocked.Increment(ref Redirects);
            if (round >= MaxRedirects || Environment.TickCount64 > deadline)
            {
                throw new StorageUnavailableException($"redis cluster {Name}: slot {slot} kept being redirected ({answers[0]})");
            }
            if (wait)
            {
                // TRYAGAIN (a migration in progress) or CLUSTERDOWN: the map may be changing under us.
                Thread.Sleep(Math.Min(100, 10 << Math.Min(round, 4)));
                RefreshSoon();
                next = null;
                nextAsking = false;
            }
            todo = again;
            target = next;
            asking = nextAsking;
        }
    }

    public RedisReply Call(int slot, params object[] args) => Pipeline(slot, [args])[0];

    /// <summary>The same command on every master (KEYS, SCAN, INFO, FLUSHALL…); replies in master order.</summary>
    public IReadOnlyList<(RedisClient Node, RedisReply Reply)> OnEachMaster(params object[] args)
    {
        var masters = Masters();
        var replies = new (RedisClient, RedisReply)[masters.Length];
        for (int i = 0; i < masters.Length; i++) replies[i] = (masters[i], masters[i].Call(0, args));
        return replies;
    }

    /// <summary>The masters as last mapped (a stable order while the cluster's shape does not change).</summary>
    public RedisClient[] Masters()
    {
        if (Volatile.Read(ref _masters).Length == 0) Refresh(force: true);
        return Volatile.Read(ref _masters);
    }

    private RedisClient Owner(int slot)
    {
        var owner = Volatile.Read(ref _slots)[slot];
        if (owner is not null) return owner;
        Refresh(force: true);
        return Volatile.Read(ref _slots)[slot] ?? throw new StorageUnavailableException($"redis cluster {Name}: no node serves slot {slot} (CLUSTERDOWN)");
    }

    private void RefreshSoon() => Refresh(force: false);

    /// <summary>Reads CLUSTER SLOTS from the first node that answers; at most once per 100 ms unless forced by a slot with no owner.</summary>
    public void Refresh(bool force)
    {
        lock (_gate)
        {
            if (!force && Environment.TickCount64 - _refreshedAt < 100) return;
            _refreshedAt = Environment.TickCount64;
            string? lastError = null;
            var candidates = _nodes.Values.Select(n => n.Endpoint).Concat(_seeds).DistinctBy(e => e.ToString()).ToList();
            foreach (var endpoint in candidates)
            {
                RedisReply reply;
                try
                {
                    reply = NodeLocked(endpoint.Host, endpoint.Port).Call(0, "CLUSTER", "SLOTS");
                }
                catch (StorageUnavailableException ex)
                {
                    lastError = ex.Message;
                    continue;
                }
                if (reply.IsError)
                {
                    lastError = $"{endpoint} answered CLUSTER SLOTS with {reply.Text}";
                    continue;
                }
                Apply(reply, endpoint);
                Interlocked.Increment(ref TopologyRefreshes);
                return;
            }
            throw new StorageUnavailableException($"redis cluster {Name} is unreachable: {lastError}");
        }
    }

    private void Apply(RedisReply slotsReply, RedisEndpoint from)
    {
        var slots = new RedisClient?[RedisSlot.Count];
        var masters = new List<RedisClient>();
        foreach (var range in slotsReply.Items ?? [])
        {
            var parts = range.Items!;
            int first = (int)parts[0].AsInteger(), last = (int)parts[1].AsInteger();
            var master = parts[2].Items!;
            string host = master[0].AsString();
            // An empty or "?" host means "the address you reached me on".
            if (host.Length == 0 || host == "?") host = from.Host;
            var node = NodeLocked(host, (int)master[1].AsInteger());
            if (!masters.Contains(node)) masters.Add(node);
            for (int s = Math.Max(0, first); s <= Math.Min(RedisSlot.Count - 1, last); s++) slots[s] = node;
        }
        masters.Sort((a, b) => string.CompareOrdinal(a.Endpoint.ToString(), b.Endpoint.ToString()));
        Volatile.Write(ref _slots, slots);
        Volatile.Write(ref _masters, [.. masters]);
    }

    private RedisClient Node(string address)
    {
        int colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new StorageProtocolException($"redis cluster redirected to '{address}', which is not host:port");
        }
        lock (_gate) return NodeLocked(address[..colon], port);
    }

    private RedisClient NodeLocked(string host, int port)
    {
        string name = host + ":" + port.ToString(CultureInfo.InvariantCulture);
        if (_nodes.TryGetValue(name, out var client)) return client;
        // Every node of a cluster takes the same credentials; cluster nodes have database 0 only.
        var seed = _seeds[0];
        client = new RedisClient(new RedisEndpoint(host, port, 0, seed.User, seed.Password), _connectionsPerNode, Timeout);
        _nodes[name] = client;
        return client;
    }

    private sealed record Redirection(string Kind, string Address);

    /// <summary>MOVED/ASK with the address to go to, TRYAGAIN/CLUSTERDOWN as "wait"; null for any other error.</summary>
    private static Redirection? Redirect(string error)
    {
        if (error.StartsWith("MOVED ", StringComparison.Ordinal) || error.StartsWith("ASK ", StringComparison.Ordinal))
        {
            var parts = error.Split(' ');
            return parts.Length >= 3 ? new Redirection(parts[0], parts[2]) : null;
        }
        if (error.StartsWith("TRYAGAIN", StringComparison.Ordinal) || error.StartsWith("CLUSTERDOWN", StringComparison.Ordinal))
        {
            return new Redirection("WAIT", "");
        }
        return null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var node in _nodes.Values) node.Dispose();
            _nodes.Clear();
        }
    }
}
