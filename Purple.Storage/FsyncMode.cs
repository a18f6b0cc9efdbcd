namespace Purple.Storage;

/// <summary>When the journal forces its writes to disk (Redis appendfsync): docs/storage.md, "Acknowledgement and fsync".</summary>
public enum FsyncMode
{
    /// <summary>Every group commit is on disk before the writes it carries are acknowledged.</summary>
    Always,
    /// <summary>Writes are acknowledged once handed to the journal; the journal is forced to disk at least once a second.</summary>
    EverySecond,
    /// <summary>The operating system decides when written data reaches the disk.</summary>
    No,
}
