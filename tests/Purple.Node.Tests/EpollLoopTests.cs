using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Purple.Node.Transport;

namespace Purple.Node.Tests;

/// <summary>
/// The loop's send scheduler: a send woken on the loop thread waits for the end of the batch that woke it (so a batch's
/// replies leave together), what that send schedules runs in the same drain, a failing send costs only itself, and a
/// send woken on any other thread runs there at once.
/// </summary>
public sealed class EpollLoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sends_scheduled_on_the_loop_run_after_the_work_that_scheduled_them_in_order_and_what_they_schedule_too()
    {
        using var loop = new EpollLoop("test-io", NullLogger.Instance);
        var order = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(_ =>
        {
            loop.Sends.Schedule(_ => order.Enqueue("a"), null);
            loop.Sends.Schedule(_ => throw new InvalidOperationException("a failing send"), null);
            loop.Sends.Schedule(_ =>
            {
                order.Enqueue("b");
                loop.Sends.Schedule(_ =>
                {
                    order.Enqueue("c");
                    done.SetResult();
                }, null);
            }, null);
            order.Enqueue("posted work ends");
        }, null);
        await done.Task.WaitAsync(Timeout);
        Assert.Equal(["posted work ends", "a", "b", "c"], order);
    }

    [Fact]
    public void A_send_scheduled_from_another_thread_runs_there_at_once()
    {
        using var loop = new EpollLoop("test-io", NullLogger.Instance);
        int ranOn = 0;
        loop.Sends.Schedule(_ => ranOn = Environment.CurrentManagedThreadId, null);
        Assert.Equal(Environment.CurrentManagedThreadId, ranOn);
    }
}
