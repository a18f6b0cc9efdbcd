using Purple.Core.Execution;

namespace Purple.Storage.Tests;

/// <summary>
/// Under --fsync always, an I/O loop (a <see cref="BatchThread"/>) commits its batch's records itself at the batch's end
/// and sends the replies that releases from there (docs/storage.md, "Who commits under always"); everyone else's records
/// still go to the commit thread; and a failing store never holds the loop.
/// </summary>
public sealed class BatchThreadCommitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="body"/> on a new thread enlisted as a batch thread (the flag is per thread: never a pool thread).</summary>
    private static Task OnBatchThread(Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                BatchThread.Enlist();
                body();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }) { IsBackground = true, Name = "test-batch-thread" };
        thread.Start();
        return done.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_batch_is_committed_in_one_transaction_at_its_end_and_its_replies_are_released_on_that_thread()
    {
        using var started = new StartedJournal(FsyncMode.Always, commitOnBatchThreads: true);
        var journal = started.Journal;
        int? releasedOn = null;
        bool releasedBeforeTheBatchEnded = false;
        long writtenBeforeTheBatchEnded = -1;
        await OnBatchThread(() =>
        {
            for (int i = 1; i <= 10; i++) journal.Record(0, StartedJournal.Write(i));
            Assert.True(journal.MustWait(out long target));
            Assert.Equal(10, target);
            var reply = journal.WaitAsync(target).AsTask().ContinueWith(
                _ => releasedOn = Environment.CurrentManagedThreadId, TaskContinuationOptions.ExecuteSynchronously);
            writtenBeforeTheBatchEnded = journal.LastWritten;
            releasedBeforeTheBatchEnded = reply.IsCompleted;
            BatchThread.PayDebts();
            Assert.True(reply.IsCompleted, "the reply was not released when the batch ended");
            Assert.Equal(Environment.CurrentManagedThreadId, releasedOn);
        });
        // The commit thread was not woken for these records: nothing was written before the batch's end.
        Assert.Equal(0, writtenBeforeTheBatchEnded);
        Assert.False(releasedBeforeTheBatchEnded);
        Assert.Equal(1, journal.Commits);
        Assert.Equal(10, journal.LastSynced);
        Assert.Equal([1L], started.Dir.BatchFirsts());
    }

    [Fact]
    public async Task Records_made_off_the_batch_threads_are_committed_by_the_commit_thread_as_before()
    {
        using var started = new StartedJournal(FsyncMode.Always, commitOnBatchThreads: true);
        var journal = started.Journal;
        for (int i = 1; i <= 5; i++)
        {
            journal.Record(0, StartedJournal.Write(i));
            await journal.WaitAsync(i).AsTask().WaitAsync(Patience);
        }
        Assert.Equal(5, journal.LastSynced);
    }

    [Theory]
    [InlineData(FsyncMode.EverySecond)]
    [InlineData(FsyncMode.No)]
    public async Task Outside_always_a_batch_thread_owes_nothing_and_the_commit_thread_writes(FsyncMode fsync)
    {
        using var started = new StartedJournal(fsync, commitOnBatchThreads: true);
        var journal = started.Journal;
        await OnBatchThread(() => journal.Record(0, StartedJournal.Write(1)));
        // Nothing was paid at a batch end, so only the commit thread can have written it.
        var deadline = DateTime.UtcNow + Patience;
        while (journal.LastWritten < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the commit thread never wrote the record");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task A_journal_not_allowed_to_commit_on_batch_threads_leaves_them_owing_nothing()
    {
        using var started = new StartedJournal(FsyncMode.Always, commitOnBatchThreads: false);
        var journal = started.Journal;
        await OnBatchThread(() =>
        {
            journal.Record(0, StartedJournal.Write(1));
            journal.WaitAsync(1).AsTask().Wait(Patience);
        });
        Assert.Equal(1, journal.LastSynced);
    }

    [Fact]
    public async Task When_the_store_refuses_the_batch_thread_does_not_wait_and_the_commit_thread_retries_until_it_writes()
    {
        FailingBackend? failing = null;
        using var started = new StartedJournal(FsyncMode.Always, commitOnBatchThreads: true,
            wrap: inner => failing = new FailingBackend(inner) { Fail = true });
        var journal = started.Journal;
        Task? reply = null;
        // The commit thread retries a failing store once a second, forever; the batch thread must return after one try.
        await OnBatchThread(() =>
        {
            journal.Record(0, StartedJournal.Write(1));
            reply = journal.WaitAsync(1).AsTask();
            BatchThread.PayDebts();
        });
        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => reply!.WaitAsync(Patience));
        Assert.Contains("the store refuses writes", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, journal.LastWritten);

        failing!.Fail = false;
        var deadline = DateTime.UtcNow + Patience;
        while (journal.LastSynced < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the commit thread never wrote what the batch thread left");
            await Task.Delay(20);
        }
        Assert.Null(journal.Fault);
        await OnBatchThread(() =>
        {
            journal.Record(0, StartedJournal.Write(2));
            BatchThread.PayDebts();
            Assert.Equal(2, journal.LastSynced);
        });
    }

    [Fact]
    public async Task Two_batch_threads_writing_at_once_lose_nothing_and_release_every_reply()
    {
        using var started = new StartedJournal(FsyncMode.Always, commitOnBatchThreads: true);
        var journal = started.Journal;
        var replies = new System.Collections.Concurrent.ConcurrentBag<Task>();
        Action loop = () =>
        {
            for (int batch = 0; batch < 200; batch++)
            {
                for (int i = 0; i < 3; i++) journal.Record(0, StartedJournal.Write(batch));
                if (journal.MustWait(out long target)) replies.Add(journal.WaitAsync(target).AsTask());
                BatchThread.PayDebts();
            }
        };
        await Task.WhenAll(OnBatchThread(loop), OnBatchThread(loop));
        await Task.WhenAll(replies).WaitAsync(Patience);
        Assert.Equal(1200, journal.LastSynced);
        Assert.Equal(1200, journal.RecordsWritten);
    }
}
