using System.Diagnostics;

namespace Purple.Actors.Supervision;

/// <summary>
/// One thread of the engine's own that runs its periodic work: every shard supervisor's cycle
/// <c>ActiveExpiryHz</c> times a second, one after the other, and the defrag check — what Redis's serverCron is to
/// its one thread. It replaced a timer that posted a tick to each shard's mailbox through the thread pool: that woke
/// pool workers ~160 times a second (16 shards at 10 Hz), and each spun after its few microseconds of work,
/// ~2,300 context switches a second on an idle node and a third thread preempting the I/O loop or the client on a
/// 2-core box (docs/performance.md, "The engine's periodic work on one thread").
/// Threading: jobs run on the cron thread only, one at a time, so a job never overlaps itself; a slow job delays the
/// others, and a job that falls behind runs once rather than catching up.
/// </summary>
internal sealed class EngineCron : IDisposable
{
    private readonly Thread _thread;
    private readonly ManualResetEvent _stop = new(false);
    private readonly Job[] _jobs;
    private long _cycles;
    private int _disposed;

    public EngineCron(string name, params (TimeSpan Period, Action Work)[] jobs)
    {
        long now = Stopwatch.GetTimestamp();
        _jobs = jobs.Select(j => new Job(Ticks(j.Period), j.Work, now + Ticks(j.Period))).ToArray();
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>Times any job has run: what tests wait on.</summary>
    public long Cycles => Interlocked.Read(ref _cycles);

    public void Start() => _thread.Start();

    /// <summary>Stops the thread after the job it may be running. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Set();
        // From a job on the cron thread itself there is nothing to wait for, and the thread still reads the event once
        // the job returns: it is left to the finalizer then.
        if (Thread.CurrentThread == _thread) return;
        if (_thread.IsAlive) _thread.Join();
        _stop.Dispose();
    }

    private static long Ticks(TimeSpan period) => Math.Max(1, (long)(period.TotalSeconds * Stopwatch.Frequency));

    private void Run()
    {
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            long next = long.MaxValue;
            foreach (var job in _jobs)
            {
                if (job.Due <= now)
                {
                    try
                    {
                        job.Work();
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // An exception would end the thread, and with it every job; the next period retries.
                        Trace.TraceError($"{_thread.Name} job failed: {ex.GetType().Name}: {ex.Message}");
                    }
                    Interlocked.Increment(ref _cycles);
                    now = Stopwatch.GetTimestamp();
                    // Fixed cadence while on time; after an overrun the next run is a whole period away.
                    job.Due = job.Due + job.Period > now ? job.Due + job.Period : now + job.Period;
                }
                next = Math.Min(next, job.Due);
            }
            long waitMs = Math.Max(0, (long)Math.Ceiling((next - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency));
            if (_stop.WaitOne((int)Math.Min(waitMs, int.MaxValue))) return;
        }
    }

    private sealed class Job(long period, Action work, long due)
    {
        public long Period { get; } = period;
        public Action Work { get; } = work;
        public long Due { get; set; } = due;
    }
}
