using Purple.Actors.Supervision;

namespace Purple.Actors.Tests;

/// <summary>
/// The engine's periodic work runs on its own thread (EngineCron) and queues nothing to the thread pool, whose workers
/// spin after every item they run. Not beside other tests: the pool's count of work items is process-wide.
/// </summary>
[Collection(nameof(EngineCronTests))]
public class EngineCronTests
{
    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            Thread.Sleep(5);
        }
    }

    [Fact]
    public void A_started_engine_sweeps_on_its_cron_thread_and_queues_nothing_to_the_pool()
    {
        var e = new PurpleEngine(new EngineOptions { Shards = 16, ActiveExpiryHz = 200, ActiveDefrag = true });
        e.Start();
        try
        {
            WaitFor(() => e.CronCycles >= 1);
            long items = ThreadPool.CompletedWorkItemCount;
            long cycles = e.CronCycles;
            // A second, not a number of cycles: the pool reports its count in batches, some time after the work.
            // When each tick was posted to each shard's mailbox, this second counted 227 pool items (reported so far).
            Thread.Sleep(1000);
            Assert.InRange(e.CronCycles - cycles, 10, long.MaxValue);
            Assert.InRange(ThreadPool.CompletedWorkItemCount - items, 0, 20);
        }
        finally
        {
            e.DisposeAsync().AsTask().Wait();
        }
    }

    [Fact]
    public void Jobs_run_one_at_a_time_on_one_named_thread_each_at_its_own_period_and_stop_on_dispose()
    {
        var threads = new System.Collections.Concurrent.ConcurrentBag<(int Id, string? Name, bool Pool)>();
        int running = 0, overlaps = 0, fast = 0, slow = 0;
        void Record(ref int count)
        {
            if (Interlocked.Increment(ref running) != 1) Interlocked.Increment(ref overlaps);
            threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
            Interlocked.Increment(ref count);
            Thread.Sleep(1);
            Interlocked.Decrement(ref running);
        }
        var cron = new EngineCron("test-cron",
            (TimeSpan.FromMilliseconds(2), () => Record(ref fast)),
            (TimeSpan.FromMilliseconds(200), () => Record(ref slow)));
        cron.Start();
        WaitFor(() => Volatile.Read(ref slow) >= 2);
        cron.Dispose();
        cron.Dispose();
        int fastAtStop = Volatile.Read(ref fast), slowAtStop = Volatile.Read(ref slow);
        Thread.Sleep(50);
        Assert.Equal(fastAtStop, Volatile.Read(ref fast));
        Assert.Equal(slowAtStop, Volatile.Read(ref slow));
        // Over at least 200 ms the 2 ms job ran many times more than the 200 ms one (about 60: each run sleeps 1 ms).
        Assert.True(fastAtStop > 10 * slowAtStop, $"fast {fastAtStop}, slow {slowAtStop}");
        Assert.Equal(0, overlaps);
        Assert.Single(threads.Select(t => t.Id).Distinct());
        Assert.All(threads, t => Assert.Equal("test-cron", t.Name));
        Assert.All(threads, t => Assert.False(t.Pool));
    }

    [Fact]
    public void A_job_that_throws_does_not_stop_the_others_or_itself()
    {
        int throwing = 0, steady = 0;
        var cron = new EngineCron("test-cron",
            (TimeSpan.FromMilliseconds(2), () =>
            {
                Interlocked.Increment(ref throwing);
                throw new InvalidOperationException("a bad cycle");
            }),
            (TimeSpan.FromMilliseconds(2), () => Interlocked.Increment(ref steady)));
        cron.Start();
        try
        {
            WaitFor(() => Volatile.Read(ref throwing) >= 5 && Volatile.Read(ref steady) >= 5);
        }
        finally
        {
            cron.Dispose();
        }
    }

    [Fact]
    public void A_job_that_disposes_the_cron_stops_it_without_failing_the_thread()
    {
        EngineCron? cron = null;
        int runs = 0;
        var stopped = new ManualResetEventSlim();
        cron = new EngineCron("test-cron", (TimeSpan.FromMilliseconds(1), () =>
        {
            runs++;
            cron!.Dispose();
            stopped.Set();
        }));
        cron.Start();
        Assert.True(stopped.Wait(TimeSpan.FromSeconds(10)), "the job did not run");
        // Had the thread gone on to wait on a disposed event, it would have thrown, and an unhandled exception on a
        // thread ends the test host.
        Thread.Sleep(100);
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.Equal(1, cron.Cycles);
    }
}

[CollectionDefinition(nameof(EngineCronTests), DisableParallelization = true)]
public class EngineCronCollection;
