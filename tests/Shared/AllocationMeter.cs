namespace Purple.Tests.Shared;

/// <summary>Measures what code allocates on the calling thread, for tests that pin a path's allocations.</summary>
public static class AllocationMeter
{
    private const int Tries = 5;

    /// <summary>
    /// Bytes allocated by <paramref name="times"/> runs of <paramref name="action"/> (warm it up first): the fewest
    /// of a few tries. The runtime itself now and then allocates on the measuring thread (type loading, a method moving
    /// to its optimized tier; CI saw one such blip), and that only ever adds. An allocation the code makes per run shows
    /// in every try, so the fewest is still exact and a real regression still fails.
    /// </summary>
    public static long AllocatedBy(int times, Action action)
    {
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < Tries; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < times; i++) action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
