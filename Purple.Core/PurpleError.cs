namespace Purple.Core;

/// <summary>
/// Protocol-neutral failure of a command. Each protocol renders these in its own terms
/// (RESP: <c>-WRONGTYPE …</c>, memcached: <c>CLIENT_ERROR …</c>, HTTP: 409, gRPC: FAILED_PRECONDITION).
/// </summary>
public enum PurpleError : byte
{
    None = 0,
    /// <summary>The key holds a value of another type.</summary>
    WrongType,
    /// <summary>The stored value (or an argument) is not a base-10 64-bit integer.</summary>
    NotInteger,
    /// <summary>An increment or decrement would overflow a signed 64-bit integer.</summary>
    Overflow,
    /// <summary>The write would exceed capacity and nothing could be evicted.</summary>
    OutOfMemory,
    /// <summary>The source key of RENAME (or similar) does not exist.</summary>
    NoSuchKey,
    /// <summary>The stored value of a flag is not true/false/1/0.</summary>
    NotAFlag,
    /// <summary>The value would exceed the configured size limit (e.g. 512 MB strings, memcached item size).</summary>
    TooLarge,
    /// <summary>A database index outside 0..databases-1.</summary>
    DbIndexOutOfRange,
}
