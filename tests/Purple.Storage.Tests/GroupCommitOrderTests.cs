using System.Text;
using Purple.Core.Commands;

namespace Purple.Storage.Tests;

/// <summary>
/// What the commit thread writes: every record made, once, numbered in the order it was made, in batches that continue
/// each other — whoever records, and however large the backlog a failing store left behind.
/// </summary>
public sealed class GroupCommitOrderTests
{
    private static List<(StoredBatch Batch, List<JournalRecord> Records)> ReadBack(StartedJournal started)
    {
        using var backend = started.Dir.CreateBackend(FsyncMode.No);
        var batches = new List<(StoredBatch, List<JournalRecord>)>();
        long next = 1;
        foreach (var batch in backend.ReadBatches())
        {
            Assert.Equal(next, batch.First);
            var records = new List<JournalRecord>();
            Assert.True(JournalBatch.TryRead(batch.First, batch.Last, batch.Crc, batch.Body.Span, records, out string? problem), problem);
            batches.Add((batch, records));
            next = batch.Last + 1;
        }
        return batches;
    }

    [Fact]
    public async Task Records_made_on_many_threads_at_once_are_each_written_once_in_each_writers_order()
    {
        const int Writers = 4;
        const int PerWriter = 5_000;
        using var started = new StartedJournal(FsyncMode.No);
        var journal = started.Journal;
        using var go = new Barrier(Writers);
        var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            go.SignalAndWait();
            for (int i = 0; i < PerWriter; i++) journal.Record(i, new SetCommand(0, Encoding.UTF8.GetBytes($"w{w}"), Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        await journal.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Writers * PerWriter, journal.LastWritten);

        var records = ReadBack(started).SelectMany(b => b.Records).ToList();
        Assert.Equal(Enumerable.Range(1, Writers * PerWriter).Select(i => (long)i), records.Select(r => r.Sequence));
        for (int w = 0; w < Writers; w++)
        {
            // Each writer's own records, in the order it made them: the time it passed is its loop counter.
            var mine = records.Where(r => Encoding.UTF8.GetString(((SetCommand)r.Command).Key) == $"w{w}").ToList();
            Assert.Equal(Enumerable.Range(0, PerWriter).Select(i => (long)i), mine.Select(r => r.Now));
            Assert.Equal(mine.Select(r => r.Now.ToString(System.Globalization.CultureInfo.InvariantCulture)), mine.Select(r => Encoding.UTF8.GetString(((SetCommand)r.Command).Value)));
        }
    }

    [Fact]
    public async Task A_backlog_over_the_batch_limit_is_written_as_several_batches_cut_between_records()
    {
        FailingBackend? failing = null;
        using var started = new StartedJournal(FsyncMode.No, wrap: b => failing = new FailingBackend(b));
        var journal = started.Journal;
        failing!.Fail = true;
        var value = new byte[100_000];
        void Record(int i)
        {
            value.AsSpan().Fill((byte)i);
            journal.Record(i, new SetCommand(0, Encoding.UTF8.GetBytes("k" + i), value.ToArray()));
        }
        // The commit thread takes the first record and fails on it; what follows queues behind it.
        Record(1);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (journal.Fault is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the store's refusal was never seen");
            await Task.Delay(5);
        }
        // ~9 MB: more than one transaction's 8 MB once the store takes writes again.
        for (int i = 2; i <= 91; i++) Record(i);
        failing.Fail = false;
        await journal.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        var batches = ReadBack(started);
        Assert.True(batches.Count >= 3, $"{batches.Count} batch(es) for one record and ~9 MB after it");
        Assert.All(batches, b => Assert.True(b.Batch.Body.Length <= (8 << 20) + 100_100, $"a batch of {b.Batch.Body.Length} bytes"));
        var records = batches.SelectMany(b => b.Records).ToList();
        Assert.Equal(Enumerable.Range(1, 91).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.All(records, r => Assert.True(((SetCommand)r.Command).Value.All(x => x == (byte)r.Now), $"record {r.Sequence} changed"));
    }
}
