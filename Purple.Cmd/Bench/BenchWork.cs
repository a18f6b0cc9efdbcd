using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Purple.Cmd.Bench;

/// <summary>
/// The requests of one test, shared by its connections: each claims up to a pipeline's worth at a time, as
/// redis-benchmark's clients do, until -n requests are claimed or --duration has passed. Completions are counted
/// once per batch (one atomic add), for the progress bar.
/// </summary>
internal sealed class BenchWork
{
    private readonly int _pipeline;
    private readonly long _deadline;
    private long _remaining;
    private long _completed;

    public BenchWork(int pipeline, long requests, TimeSpan? duration)
    {
        _pipeline = pipeline;
        _remaining = requests;
        Requests = duration is null ? requests : 0;
        Duration = duration;
        _deadline = duration is { } d ? Stopwatch.GetTimestamp() + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
    }

    /// <summary>The requests to send; 0 when the run is timed instead.</summary>
    public long Requests { get; }

    public TimeSpan? Duration { get; }

    public long Completed => Volatile.Read(ref _completed);

    /// <summary>How many requests the caller sends next (its pipeline, or what is left); 0 when the test is over.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Claim()
    {
        if (Duration is not null) return Stopwatch.GetTimestamp() < _deadline ? _pipeline : 0;
        long left = Interlocked.Add(ref _remaining, -_pipeline);
        if (left >= 0) return _pipeline;
        long granted = _pipeline + left;
        return granted > 0 ? (int)granted : 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Done(int requests) => Interlocked.Add(ref _completed, requests);
}
