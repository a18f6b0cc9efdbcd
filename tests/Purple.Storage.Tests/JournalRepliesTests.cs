using Purple.Core.Execution;

namespace Purple.Storage.Tests;

/// <summary>
/// Replies held for the journal are released by the journal's own releasing thread (docs/storage.md, "Acknowledgement
/// and fsync"): every waiter of a commit resumes there, none on the thread pool; a wait the journal can no longer
/// satisfy ends with an error instead of hanging; and stopping the journal from code that resumed there does not
/// deadlock.
/// </summary>
public sealed class JournalRepliesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);


    private static async Task<string?> ResumedOn(ValueTask wait)
    {
        await wait.ConfigureAwait(false);
        return Thread.CurrentThread.Name;
    }

    [Fact]
    public async Task Every_waiter_of_a_group_commit_resumes_on_the_releasing_thread()
    {
        using var started = new StartedJournal(FsyncMode.Always);
        var journal = started.Journal;
        // Forty waiters, all waiting before anything is recorded (so none completes at once), most of them released by
        // one commit: a task completed with several awaiters would have run only the first inline and queued the
        // others to the pool.
        var waits = new List<Task<string?>>();
        for (int i = 1; i <= 40; i++) waits.Add(ResumedOn(journal.WaitAsync(i)));
        for (int i = 1; i <= 40; i++) journal.Record(0, StartedJournal.Write(i));
        string?[] threads = await Task.WhenAll(waits).WaitAsync(Limit);
        Assert.All(threads, name => Assert.Equal("purple-replies", name));
        Assert.True(journal.LastSynced >= 40);
    }

    [Fact]
    public async Task A_pending_wait_without_a_token_reuses_a_waiter_instead_of_allocating_one()
    {
        // Under --fsync always every write reply of a RESP or memcached connection waits here; a TaskCompletionSource
        // per wait was a third of what each write allocated.
        using var started = new StartedJournal(FsyncMode.Always);
        var journal = started.Journal;
        long allocated = 0;
        for (int i = 1; i <= 200; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            ValueTask wait = journal.WaitAsync(i);
            long after = GC.GetAllocatedBytesForCurrentThread();
            Assert.False(wait.IsCompleted, "nothing at this position is recorded yet, so the wait must be pending");
            if (i > 100) allocated += after - before;
            journal.Record(0, StartedJournal.Write(i));
            await wait.AsTask().WaitAsync(Limit);
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task A_wait_for_a_position_never_written_ends_with_an_error_when_the_journal_stops()
    {
        using var started = new StartedJournal(FsyncMode.Always);
        var journal = started.Journal;
        journal.Record(0, StartedJournal.Write(1));
        var written = journal.WaitAsync(1).AsTask();
        var never = journal.WaitAsync(2).AsTask();
        await written.WaitAsync(Limit);
        Assert.False(never.IsCompleted);

        journal.Dispose();
        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => never.WaitAsync(Limit));
        Assert.Contains("journal stopped", error.Message);
        // After the stop, a wait for what was written still succeeds and one for anything later is refused at once.
        await journal.WaitAsync(1);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => journal.WaitAsync(2).AsTask());
    }

    [Fact]
    public async Task A_cancelled_wait_ends_with_cancellation_and_the_journal_goes_on()
    {
        using var started = new StartedJournal(FsyncMode.Always);
        var journal = started.Journal;
        using var cancel = new CancellationTokenSource();
        var wait = journal.WaitAsync(1, cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Limit));

        journal.Record(0, StartedJournal.Write(1));
        await journal.WaitAsync(1).AsTask().WaitAsync(Limit);
    }

    [Fact]
    public async Task Code_that_resumed_on_the_releasing_thread_can_stop_the_journal()
    {
        using var started = new StartedJournal(FsyncMode.Always);
        var journal = started.Journal;
        async Task StopOnceWritten()
        {
            await journal.WaitAsync(1).ConfigureAwait(false);
            Assert.Equal("purple-replies", Thread.CurrentThread.Name);
            journal.Dispose();
        }
        var stopped = StopOnceWritten(); // waiting before the record exists, so it resumes on the releasing thread
        journal.Record(0, StartedJournal.Write(1));
        await stopped.WaitAsync(Limit);
        Assert.Equal(1, journal.LastSynced);
    }
}
