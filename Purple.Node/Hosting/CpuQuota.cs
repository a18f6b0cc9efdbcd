namespace Purple.Node.Hosting;

/// <summary>
/// Whether the process runs under a CFS CPU quota (a container's CPU limit). Polling spends CPU that a quota counts, and
/// a process over its quota is stopped until the next period (100 ms by default): far worse for latency than the
/// wake-ups polling saves, so <c>--io-poll auto</c> is off there. Reads cgroup v2's <c>cpu.max</c> and v1's
/// <c>cpu.cfs_quota_us</c>, for the process's own cgroup and for the root a container usually sees.
/// </summary>
internal static class CpuQuota
{
    private static readonly Lazy<bool> Limited = new(() => IsLimited(File.Exists, File.ReadAllText, OwnCgroups()));

    /// <summary>Read once per process: a quota is set when a container starts, not while it runs.</summary>
    public static bool IsLimited() => Limited.Value;

    /// <summary>The decision on its own, over any file system (tests).</summary>
    /// <param name="cgroups">Lines of /proc/self/cgroup ("id:controllers:path").</param>
    internal static bool IsLimited(Func<string, bool> exists, Func<string, string> read, IReadOnlyList<string> cgroups)
    {
        foreach (string file in Candidates(cgroups))
        {
            try
            {
                if (!exists(file)) continue;
                string text = read(file).Trim();
                // v2: "max 100000" is no quota, "50000 100000" is half a CPU. v1: -1 is no quota.
                string quota = text.Split(' ', 2)[0];
                if (quota == "max" || quota == "-1") continue;
                if (long.TryParse(quota, out long q) && q > 0) return true;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return false;
    }

    private static IEnumerable<string> Candidates(IReadOnlyList<string> cgroups)
    {
        foreach (string line in cgroups)
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            string path = parts[2].Trim();
            if (path.Length == 0) continue;
            if (parts[1].Length == 0) yield return $"/sys/fs/cgroup{path.TrimEnd('/')}/cpu.max";
            else if (parts[1].Split(',').Contains("cpu"))
            {
                yield return $"/sys/fs/cgroup/cpu{path.TrimEnd('/')}/cpu.cfs_quota_us";
                yield return $"/sys/fs/cgroup/cpu,cpuacct{path.TrimEnd('/')}/cpu.cfs_quota_us";
            }
        }
        yield return "/sys/fs/cgroup/cpu.max";
        yield return "/sys/fs/cgroup/cpu/cpu.cfs_quota_us";
        yield return "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us";
    }

    private static IReadOnlyList<string> OwnCgroups()
    {
        try
        {
            return File.Exists("/proc/self/cgroup") ? File.ReadAllLines("/proc/self/cgroup") : [];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
