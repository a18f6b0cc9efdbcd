using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Purple.Cmd.Bench;

/// <summary>
/// Latencies in Stopwatch ticks, bucketed log-linearly as HdrHistogram does: exact below 256 ticks, then 128
/// buckets per power of two, so any percentile is within 0.8 % of the true value. Recording is an index
/// computation and an increment, with no allocation; one histogram per connection, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 7;
    private const int Sub = 1 << SubBits;
    private const int Linear = 2 * Sub;
    private readonly long[] _counts = new long[Linear + (63 - SubBits) * Sub];

    public long Count { get; private set; }

    public long Max { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Record(long ticks)
    {
        if (ticks < 0) ticks = 0;
        _counts[Index(ticks)]++;
        Count++;
        if (ticks > Max) Max = ticks;
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The smallest recorded latency that <paramref name="percent"/> % of requests did not exceed (its bucket's top), in ms.</summary>
    public double PercentileMs(double percent)
    {
        if (Count == 0) return 0;
        long target = Math.Max(1, (long)Math.Ceiling(percent / 100 * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= target) return ToMs(Math.Min(UpperBound(i), Max));
        }
        return ToMs(Max);
    }

    public double MaxMs => ToMs(Max);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Index(long ticks)
    {
        if (ticks < Linear) return (int)ticks;
        int shift = 63 - BitOperations.LeadingZeroCount((ulong)ticks) - SubBits;
        return Linear + (shift - 1) * Sub + (int)((ticks >> shift) & (Sub - 1));
    }

    internal static long UpperBound(int index)
    {
        if (index < Linear) return index;
        int shift = (index - Linear) / Sub + 1;
        long lower = (long)(Sub + (index - Linear) % Sub) << shift;
        return lower + (1L << shift) - 1;
    }

    private static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
