using System.Runtime.InteropServices;
using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>
/// Recovery asks for transparent huge pages on the GC heap and withdraws them after (RecoveryHugePages): read back from
/// the kernel's own flags for the mapping that holds a new object (VmFlags "hg" advised, "nh" withdrawn). Not run
/// beside other tests: a node recovering meanwhile would hold the advice.
/// </summary>
[Collection(nameof(RecoveryHugePagesTests))]
public class RecoveryHugePagesTests
{
    private static bool MadviseMode() => File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[madvise]", StringComparison.Ordinal);

    /// <summary>
    /// The kernel's flags for the mapping that holds <paramref name="probe"/>. The probe must stay pinned from before
    /// the advice to the last look: an object the collector may move leaves its address in a region it can decommit
    /// (remapped without the advice, "VmFlags: mr mw me dd"), which failed this test now and then on CI.
    /// </summary>
    private static string HeapFlags(GCHandle probe)
    {
        ulong address = (ulong)probe.AddrOfPinnedObject();
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out ulong start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out ulong end))
            {
                inside = start <= address && address < end;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line;
            }
        }
        throw new InvalidOperationException("no mapping holds the probe");
    }

    [Fact]
    public void The_heap_has_huge_pages_advised_during_recovery_and_withdrawn_after()
    {
        Assert.True(OperatingSystem.IsLinux());
        if (!MadviseMode())
        {
            // THP "always" gives the heap huge pages anyway and "never" cannot: nothing is asked for.
            Assert.Null(RecoveryHugePages.Start());
            return;
        }
        var probe = GCHandle.Alloc(new byte[64], GCHandleType.Pinned);
        try
        {
            Advised_then_withdrawn(probe);
        }
        finally
        {
            probe.Free();
        }
    }

    private static void Advised_then_withdrawn(GCHandle probe)
    {
        using (var first = RecoveryHugePages.Start())
        using (var second = RecoveryHugePages.Start())
        {
            Assert.NotNull(first);
            Assert.NotNull(second);
            Assert.Contains(" hg", HeapFlags(probe), StringComparison.Ordinal);
            first!.Dispose();
            // Two recoveries in one process (the tests run several nodes): the advice stays until the last one ends.
            Assert.Contains(" hg", HeapFlags(probe), StringComparison.Ordinal);
        }
        var after = HeapFlags(probe);
        Assert.DoesNotContain(" hg", after, StringComparison.Ordinal);
        Assert.Contains(" nh", after, StringComparison.Ordinal);
    }
}

[CollectionDefinition(nameof(RecoveryHugePagesTests), DisableParallelization = true)]
public class RecoveryHugePagesCollection;
