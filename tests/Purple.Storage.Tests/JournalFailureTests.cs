using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Storage.Tests.Node;

namespace Purple.Storage.Tests;

/// <summary>
/// A store that stops taking writes (a full disk, a database server gone): replies are held and refused, never sent
/// as if the write were safe; writes flow again once the store does; and a node stopping meanwhile still stops.
/// </summary>
public sealed class JournalFailureTests
{
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in 30 s");
            await Task.Delay(20);
        }
    }

    [Theory]
    [InlineData(FsyncMode.Always)]
    [InlineData(FsyncMode.EverySecond)]
    public async Task While_the_store_refuses_every_reply_is_refused_and_once_it_writes_nothing_was_lost(FsyncMode fsync)
    {
        using var dir = new DataDir();
        var backend = new FailingBackend(dir.CreateBackend(fsync));
        string before;
        await using (var node = new Node(backend, fsync, new ManualTime(1_800_000_000_000), 16, snapshotOnStop: false))
        {
            node.RecoverAndStart();
            IDurabilityBarrier barrier = node.Storage.Journal;
            backend.Fail = true;
            node.Engine.Execute(new SetCommand(0, B("first"), B("v")));
            await Until(() => node.Storage.Journal.Fault is not null);
            for (int i = 0; i < 3; i++)
            {
                node.Engine.Execute(new SetCommand(0, B("k" + i), B("v" + i)));
                Assert.True(barrier.MustWait(out long target));
                await Assert.ThrowsAsync<StorageUnavailableException>(() => barrier.WaitAsync(target).AsTask());
            }
            backend.Fail = false;
            await Until(() => node.Storage.Journal.Fault is null);
            Assert.True(node.Storage.Journal.Failures >= 1);
            await node.Storage.Journal.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            before = node.Dump();
        }
        await using var again = dir.Open();
        Assert.Equal(before, again.Dump());
        Assert.Equal(4, again.Engine.DbSize(0));
    }

    [Fact]
    public async Task Stopping_while_the_store_still_refuses_ends_with_what_is_left_logged()
    {
        using var dir = new DataDir();
        var backend = new FailingBackend(dir.CreateBackend(FsyncMode.EverySecond));
        var node = new Node(backend, FsyncMode.EverySecond, new ManualTime(1_800_000_000_000), 16, snapshotOnStop: false);
        node.RecoverAndStart();
        backend.Fail = true;
        node.Engine.Execute(new SetCommand(0, B("first"), B("v")));
        await Until(() => node.Storage.Journal.Fault is not null);
        // Queued behind the batch the commit thread is retrying: once that one is given up, these can never follow it.
        for (int i = 0; i < 5; i++) node.Engine.Execute(new SetCommand(0, B("k" + i), B("v")));
        await node.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(node.Log.Lines, l => l.Contains("Journal stopped with 6 records unwritten", StringComparison.Ordinal));
    }
}
