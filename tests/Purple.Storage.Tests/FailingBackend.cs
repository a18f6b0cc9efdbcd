namespace Purple.Storage.Tests;

/// <summary>Passes everything to a real backend, except that <see cref="Append"/> fails while <see cref="Fail"/> is set.</summary>
internal sealed class FailingBackend(IJournalBackend inner) : IJournalBackend
{
    public volatile bool Fail;
    public string Location => inner.Location;
    public IEnumerable<StoredBatch> ReadBatches(long after = 0) => inner.ReadBatches(after);

    public void Append(long first, long last, uint crc, ReadOnlySpan<byte> body)
    {
        if (Fail) throw new IOException("the store refuses writes");
        inner.Append(first, last, crc, body);
    }

    public void Sync() => inner.Sync();
    public void DeleteFrom(long first) => inner.DeleteFrom(first);
    public bool DeleteThrough(long sequence, int maxBatches) => inner.DeleteThrough(sequence, maxBatches);
    public string ResetCorruptJournal() => inner.ResetCorruptJournal();
    public string? CheckJournal() => inner.CheckJournal();
    public IReadOnlyList<long> Snapshots() => inner.Snapshots();
    public void WriteSnapshot(long sequence, IEnumerable<StoredSnapshotChunk> chunks, Func<SnapshotHeader> header) => inner.WriteSnapshot(sequence, chunks, header);
    public (SnapshotHeader Header, IEnumerable<StoredSnapshotChunk> Chunks) ReadSnapshot(long sequence) => inner.ReadSnapshot(sequence);
    public void DeleteSnapshot(long sequence) => inner.DeleteSnapshot(sequence);
    public string QuarantineSnapshot(long sequence) => inner.QuarantineSnapshot(sequence);
    public void Dispose() => inner.Dispose();
}
