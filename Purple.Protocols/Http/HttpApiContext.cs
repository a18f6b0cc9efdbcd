using Purple.Core.Execution;

namespace Purple.Protocols.Http;

/// <summary>What the HTTP/JSON API needs from the node. One per node.</summary>
public sealed class HttpApiContext
{
    public HttpApiContext(IDataStore store, TimeProvider time, TimeSpan cacheDefaultTtl, long maxValueBytes)
    {
        Store = store;
        Time = time;
        CacheDefaultTtl = cacheDefaultTtl;
        MaxValueBytes = maxValueBytes;
    }

    public IDataStore Store { get; }

    /// <summary>What responses (HTTP and gRPC) wait on with durable storage (docs/storage.md); null in memory mode.</summary>
    public IDurabilityBarrier? Durability { get; init; }

    /// <summary>True when the store is remote (--storage redis) and a call can fail; such failures become 503 problems.</summary>
    public bool StoreMayFail { get; init; }
    public TimeProvider Time { get; }

    /// <summary>TTL of a cache entry written without one (DESIGN §3: 5 s unless configured; 0 in a request means this).</summary>
    public TimeSpan CacheDefaultTtl { get; }

    /// <summary>Largest request body accepted as a value; more is 413.</summary>
    public long MaxValueBytes { get; }

    internal long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();
}
