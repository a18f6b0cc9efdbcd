using System.Diagnostics;

namespace Purple.Storage.Tests;

/// <summary>
/// The commit thread sleeps between batches with a one-second timeout. Work that arrives while it goes to sleep — a
/// record, a compaction request — must wake it; a lost wake-up would show as that work waiting out the timeout.
/// </summary>
public sealed class GroupCommitWakeTests
{
    private static readonly TimeSpan WellUnderTheTimeout = TimeSpan.FromMilliseconds(800);


    [Fact]
    public async Task Each_record_of_a_lone_writer_is_written_without_the_commit_thread_waiting_out_its_sleep()
    {
        using var started = new StartedJournal(FsyncMode.No);
        var journal = started.Journal;
        // One record at a time, each waited for: the commit thread goes idle between them, so every record races the
        // thread going back to sleep.
        for (int i = 1; i <= 300; i++)
        {
            var watch = Stopwatch.StartNew();
            journal.Record(0, StartedJournal.Write(i));
            await journal.WaitAsync(i).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(watch.Elapsed < WellUnderTheTimeout, $"record {i} waited {watch.Elapsed.TotalMilliseconds:F0} ms to be written");
        }
        Assert.Equal(300, journal.LastWritten);
    }

    [Fact]
    public async Task Compaction_asked_of_an_idle_journal_runs_without_waiting_out_its_sleep()
    {
        using var started = new StartedJournal(FsyncMode.No);
        var journal = started.Journal;
        for (int i = 1; i <= 3; i++)
        {
            journal.Record(0, StartedJournal.Write(i));
            await journal.WaitAsync(i);
        }
        Assert.Equal([1L, 2L, 3L], started.Dir.BatchFirsts());
        await Task.Delay(50); // the commit thread is asleep again

        var watch = Stopwatch.StartNew();
        journal.CompactThrough(2);
        while (started.Dir.BatchFirsts().Length != 1)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "compaction never ran");
            await Task.Delay(5);
        }
        Assert.True(watch.Elapsed < WellUnderTheTimeout, $"compaction waited {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal([3L], started.Dir.BatchFirsts());
    }
}
