namespace Purple.Storage.Tests;

/// <summary>The journal's WAL is copied into journal.db by a thread of its own, not by the commit that appends.</summary>
public sealed class SqliteCheckpointTests
{
    [Theory]
    [InlineData(FsyncMode.Always)]
    [InlineData(FsyncMode.EverySecond)]
    public async Task Appended_batches_reach_the_database_file_before_the_writers_own_checkpoint_would_copy_them(FsyncMode fsync)
    {
        using var dir = new DataDir();
        using var backend = dir.CreateBackend(fsync);
        long empty = new FileInfo(dir.JournalFile).Length;
        var body = new byte[3000];
        Random.Shared.NextBytes(body);
        // ~100 pages of WAL: far below the 4,000 after which the journal connection would checkpoint by itself.
        for (int i = 0; i < 100; i++) backend.Append(i + 1, i + 1, (uint)i, body);
        long stored = 100L * body.Length;

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (new FileInfo(dir.JournalFile).Length < empty + stored && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(new FileInfo(dir.JournalFile).Length >= empty + stored,
            $"journal.db is {new FileInfo(dir.JournalFile).Length} bytes after {stored} bytes of batches: the WAL was not copied into it");
        Assert.Equal(100, backend.ReadBatches().Count());
    }
}
