namespace Purple.Protocols.Memcached;

/// <summary>Bounds on what one memcached request may declare; memcached 1.6's defaults unless noted.</summary>
public sealed class MemcachedLimits
{
    public static MemcachedLimits Default { get; } = new();

    /// <summary>Largest value a store command may carry (memcached's <c>-I</c>, 1 MB by default).</summary>
    public int MaxItemSize { get; init; } = 1024 * 1024;

    /// <summary>memcached's KEY_MAX_LENGTH.</summary>
    public int MaxKeyLength { get; init; } = 250;

    /// <summary>
    /// Longest command line. memcached reads 16 KB at a time and closes a connection whose buffer holds no
    /// newline by then unless it is a multi-get; retrieval lines longer than this are processed in
    /// pieces instead (<see cref="MemcachedRequest.Continues"/>), so a 100,000-key get still works.
    /// </summary>
    public int MaxLineLength { get; init; } = 16 * 1024;
}
