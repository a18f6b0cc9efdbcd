namespace Purple.Core.Commands;

/// <summary>
/// Numeric codes of write commands as they are persisted in the journal and replicated in the
/// Raft log. APPEND-ONLY: never renumber, never reuse a retired number (mark it obsolete instead).
/// <c>CommandCodeTableTests</c> pins every value.
/// </summary>
public enum CommandCode : ushort
{
    Set = 1,
    Delete = 2,
    Expire = 3,
    Persist = 4,
    IncrBy = 5,
    Append = 6,
    MSet = 7,
    Rename = 8,
    SAdd = 9,
    SRem = 10,
    SPop = 11,
    FlushDb = 12,
    FlushAll = 13,
    GetDel = 14,
    GetEx = 15,
    Invalidate = 16,
    Lease = 17,
}
