namespace Purple.Core;

/// <summary>The type a key holds. Counters and flags are strings (DESIGN §3), so only two are stored.</summary>
public enum DataType : byte
{
    None = 0,
    String = 1,
    Set = 2,
}
