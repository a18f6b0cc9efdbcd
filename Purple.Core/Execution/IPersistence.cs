namespace Purple.Core.Execution;

/// <summary>The node's persistence as RESP's SAVE, BGSAVE, LASTSAVE and INFO persistence see it (docs/storage.md).</summary>
public interface IPersistence
{
    /// <summary>True when the node keeps data across restarts.</summary>
    bool Durable { get; }

    /// <summary>Unix seconds of the last successful snapshot (the start time when there was none), as Redis's LASTSAVE.</summary>
    long LastSaveUnixSeconds { get; }

    /// <summary>SAVE: takes a snapshot now. Null when it succeeded, else why not (never a value).</summary>
    string? Save();

    /// <summary>
    /// BGSAVE: starts a snapshot in the background. When one is already running, <paramref name="schedule"/> (BGSAVE
    /// SCHEDULE) asks for one more after it — one, however many times it is asked.
    /// </summary>
    BackgroundSave StartBackgroundSave(bool schedule);

    /// <summary>INFO persistence, as name/value pairs in order (Redis's names where Redis has the same figure).</summary>
    IReadOnlyList<KeyValuePair<string, string>> InfoFields();
}

public enum BackgroundSave { Started, Scheduled, AlreadyRunning }

/// <summary>--storage memory: nothing to save; LASTSAVE is the start time, as Redis reports before its first save.</summary>
public sealed class MemoryOnlyPersistence(DateTimeOffset startedAt) : IPersistence
{
    public const string NotDurable = "ERR this node keeps data in memory only (--storage memory); start it with --storage sqlite to save";

    public bool Durable => false;
    public long LastSaveUnixSeconds => startedAt.ToUnixTimeSeconds();
    public string? Save() => NotDurable;
    public BackgroundSave StartBackgroundSave(bool schedule) => BackgroundSave.AlreadyRunning;

    public IReadOnlyList<KeyValuePair<string, string>> InfoFields() =>
    [
        new("loading", "0"), new("async_loading", "0"), new("rdb_changes_since_last_save", "0"),
        new("rdb_bgsave_in_progress", "0"), new("rdb_last_save_time", LastSaveUnixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("aof_enabled", "0"), new("aof_rewrite_in_progress", "0"), new("purple_storage", "memory"),
    ];
}
