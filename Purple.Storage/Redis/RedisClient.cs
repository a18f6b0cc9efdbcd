using Purple.Core.Execution;

namespace Purple.Storage.Redis;

/// <summary>
/// A few shared <see cref="RedisConnection"/>s to one Redis, used round-robin. A broken connection is replaced on the
/// next call; while Redis stays unreachable, reconnecting is tried with exponential backoff (100 ms doubling to 5 s)
/// and calls in between fail at once with the last reason, so clients get a clear error instead of a hang.
/// Thread-safe.
/// </summary>
public sealed class RedisClient : IDisposable
{
    private readonly RedisEndpoint _endpoint;
    private readonly RedisConnection?[] _connections;
    private readonly Lock _reconnect = new();
    private int _next;
    private long _retryAt;
    private int _backoffMs = 100;
    private string? _lastError;

    public RedisClient(RedisEndpoint endpoint, int connections = 2, TimeSpan? timeout = null)
    {
        _endpoint = endpoint;
        _connections = new RedisConnection?[Math.Max(1, connections)];
        Timeout = timeout ?? TimeSpan.FromSeconds(5);
    }

    public RedisEndpoint Endpoint => _endpoint;
    public TimeSpan Timeout { get; }
    public long Reconnects;

    /// <summary>One command on Purple database <paramref name="db"/> (mapped after the endpoint's base database).</summary>
    public RedisReply Call(int db, params object[] args) => Pipeline(db, [args])[0];

    public RedisReply[] Pipeline(int db, IReadOnlyList<IReadOnlyList<object>> commands) =>
        Connection().Send(_endpoint.BaseDb + db, commands, Timeout);

    private RedisConnection Connection()
    {
        int slot = (int)((uint)Interlocked.Increment(ref _next) % (uint)_connections.Length);
        var connection = Volatile.Read(ref _connections[slot]);
        if (connection is { IsBroken: false }) return connection;
        lock (_reconnect)
        {
            connection = _connections[slot];
            if (connection is { IsBroken: false }) return connection;
            if (Environment.TickCount64 < _retryAt) throw new StorageUnavailableException(_lastError ?? $"redis {_endpoint} is unavailable");
            try
            {
                connection?.Dispose();
                connection = RedisConnection.Open(_endpoint, Timeout);
                Interlocked.Increment(ref Reconnects);
                _backoffMs = 100;
                _lastError = null;
                Volatile.Write(ref _connections[slot], connection);
                return connection;
            }
            catch (StorageUnavailableException ex)
            {
                _lastError = ex.Message;
                _retryAt = Environment.TickCount64 + _backoffMs;
                _backoffMs = Math.Min(_backoffMs * 2, 5000);
                throw;
            }
        }
    }

    public void Dispose()
    {
        lock (_reconnect)
        {
            for (int i = 0; i < _connections.Length; i++)
            {
                _connections[i]?.Dispose();
                _connections[i] = null;
            }
        }
    }
}
