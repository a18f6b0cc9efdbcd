using System.Globalization;

namespace Purple.Node.Hosting;

/// <summary>
/// How many connections the process can hold open at once before it runs out of file descriptors, as Redis lowers
/// maxclients to what `ulimit -n` allows. Measured: with descriptors exhausted by a connection flood, .NET itself fails
/// — "Out of memory." on Kestrel's socket transport, "Internal CLR error" in an exception throw on the epoll one — so
/// connections past this budget are refused like those past --maxclients, and the process keeps what it needs.
/// </summary>
internal static class DescriptorBudget
{
    /// <summary>
    /// Descriptors kept back from connections: the runtime maps assemblies as it loads them (~160 open at idle, more
    /// as TLS, SQLite or a first exception load code), the journal's files, epoll sets, and the descriptor a refused
    /// connection holds while it is told.
    /// </summary>
    public const int Reserve = 256;

    /// <summary>
    /// Sockets over the budget that may be open at once while they are told so (either transport, wrapped in
    /// <see cref="Purple.Node.Transport.BoundedListenerFactory"/>, leaves the next connection in the listen backlog until
    /// one closes): a part of <see cref="Reserve"/>, so a flood cannot take the rest of it from the runtime.
    /// </summary>
    public const int RefusalsInFlight = 64;

    /// <summary>Connections that fit under the process's open-file limit now; null when there is no limit to read.</summary>
    public static int? ConnectionLimit()
    {
        long? limit = OpenFileLimit();
        if (limit is null) return null;
        int open;
        try
        {
            open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        return (int)Math.Clamp(limit.Value - open - Reserve, 0, int.MaxValue);
    }

    /// <summary>The soft RLIMIT_NOFILE, from /proc/self/limits (Linux); null when unlimited or unknown.</summary>
    public static long? OpenFileLimit()
    {
        const string path = "/proc/self/limits";
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
        }
        return null;
    }
}
