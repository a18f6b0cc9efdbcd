using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>Reading a CPU quota from cgroup v2's cpu.max and v1's cpu.cfs_quota_us, over a made-up file system.</summary>
public sealed class CpuQuotaTests
{
    private static bool Limited(Dictionary<string, string> files, params string[] cgroups) =>
        CpuQuota.IsLimited(files.ContainsKey, path => files[path], cgroups);

    [Fact]
    public void Cgroup_v2_max_is_no_quota_and_a_number_is_one()
    {
        Assert.False(Limited(new() { ["/sys/fs/cgroup/cpu.max"] = "max 100000\n" }, "0::/"));
        Assert.True(Limited(new() { ["/sys/fs/cgroup/cpu.max"] = "50000 100000\n" }, "0::/"));
        // A host (not a container) shows its own cgroup's path: the quota is read there.
        Assert.True(Limited(new() { ["/sys/fs/cgroup/system.slice/purple.service/cpu.max"] = "150000 100000" }, "0::/system.slice/purple.service"));
    }

    [Fact]
    public void Cgroup_v1_minus_one_is_no_quota()
    {
        Assert.False(Limited(new() { ["/sys/fs/cgroup/cpu/cpu.cfs_quota_us"] = "-1" }, "4:cpu,cpuacct:/", "3:memory:/x"));
        Assert.True(Limited(new() { ["/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us"] = "200000" }, "4:cpu,cpuacct:/docker/abc"));
        // Another controller's path does not count for the CPU.
        Assert.False(Limited(new() { ["/sys/fs/cgroup/cpu/x/cpu.cfs_quota_us"] = "50000" }, "3:memory:/x"));
    }

    [Fact]
    public void No_files_or_unreadable_ones_mean_no_quota()
    {
        Assert.False(Limited(new(), "0::/"));
        Assert.False(CpuQuota.IsLimited(_ => true, _ => throw new UnauthorizedAccessException(), ["0::/"]));
        Assert.False(Limited(new() { ["/sys/fs/cgroup/cpu.max"] = "garbage" }, "0::/"));
    }
}
