namespace Purple.Protocols.Resp;

/// <summary>Bounds on what one RESP request may declare; Redis's defaults unless noted.</summary>
public sealed class RespLimits
{
    public static RespLimits Default { get; } = new();

    /// <summary>Largest bulk argument (Redis proto-max-bulk-len).</summary>
    public long MaxBulkLength { get; init; } = 512L * 1024 * 1024;

    /// <summary>
    /// Longest inline command line, and also the longest a "*N" or "$N" line may grow before its CR
    /// arrives (Redis uses PROTO_INLINE_MAX_SIZE for all three).
    /// </summary>
    public int MaxInlineLength { get; init; } = 64 * 1024;

    /// <summary>
    /// Most arguments per command. Redis accepts up to INT_MAX once authenticated; we cap at 1M so the
    /// per-connection argument table stays bounded. More gives "invalid multibulk length".
    /// </summary>
    public int MaxMultiBulkCount { get; init; } = 1024 * 1024;
}

public enum RespParseStatus
{
    Complete,
    Incomplete,
    Error,
}
