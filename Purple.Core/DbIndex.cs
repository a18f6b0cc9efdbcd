namespace Purple.Core;

/// <summary>Limits shared by every protocol.</summary>
public static class Limits
{
    /// <summary>Redis's proto-max-bulk-len default and the largest string value we accept: 512 MB.</summary>
    public const long MaxStringLength = 512L * 1024 * 1024;

    /// <summary>Redis's default number of databases.</summary>
    public const int DefaultDatabases = 16;
}
