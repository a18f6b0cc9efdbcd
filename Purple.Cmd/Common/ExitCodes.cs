namespace Purple.Cmd.Common;

/// <summary>
/// Exit codes a script can rely on (docs/cli.md). `purple serve` is the exception: it returns purple-node's
/// own codes (0 stopped cleanly, 1 could not listen, 2 invalid configuration).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command line was wrong: unknown command or option, a missing or malformed argument.</summary>
    public const int Usage = 1;

    /// <summary>A get found no value (kv get, cache get). Counters, sets and flags have a value for every key (0, empty, false).</summary>
    public const int NotFound = 2;

    /// <summary>The node answered with an error: wrong type, out of memory, invalid argument, or bench replies that were errors.</summary>
    public const int Refused = 3;

    /// <summary>No answer: the node could not be reached, the connection failed or the timeout passed.</summary>
    public const int Unavailable = 4;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;
}
