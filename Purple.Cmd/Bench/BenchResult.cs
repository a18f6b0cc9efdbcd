namespace Purple.Cmd.Bench;

/// <summary>One test's outcome: requests answered, wrong replies among them, wall time and the merged latencies.</summary>
internal sealed record BenchResult(string Test, long Requests, long Errors, string? FirstError, double Seconds, LatencyHistogram Latency)
{
    /// <summary>Replies per second of wall time, every reply counted (errors too, as redis-benchmark counts them).</summary>
    public double OpsPerSecond => Seconds > 0 ? Requests / Seconds : 0;
}

/// <summary>What the progress bar is told while a test runs.</summary>
internal readonly record struct BenchProgress(long Completed, double Fraction, double OpsPerSecond);
