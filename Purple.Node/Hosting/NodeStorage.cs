using System.Globalization;
using Microsoft.Extensions.Logging;
using Purple.Core.Execution;
using Purple.Node.Configuration;
using Purple.Storage;

namespace Purple.Node.Hosting;

/// <summary>
/// Durable storage for one node: --storage sqlite holds the data directory's lock (two processes on one directory would
/// interleave their journals), --storage postgres the schema's advisory lock (taken by the backend, same reason); owns
/// the <see cref="DurableStorage"/>, and answers SAVE/BGSAVE/LASTSAVE/INFO persistence.
/// </summary>
public sealed class NodeStorage : IPersistence, IAsyncDisposable
{
    private const string LockFile = "purple.lock";
    private readonly FileStream? _lock;
    private readonly StorageSettings _settings;

    private NodeStorage(StorageSettings settings, FileStream? directoryLock, DurableStorage storage)
    {
        _settings = settings;
        _lock = directoryLock;
        Storage = storage;
    }

    public DurableStorage Storage { get; }

    private static DurableStorage Create(IJournalBackend backend, StorageSettings settings, ILogger logger) => new(backend, new DurableStorageOptions
    {
        Fsync = settings.Fsync,
        SnapshotMinJournalBytes = settings.SnapshotMinJournalBytes,
        RecoveryGcBudgetBytes = DurableStorageOptions.DefaultRecoveryGcBudget(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes),
    }, logger);

    /// <summary>Opens the data directory or the PostgreSQL schema; a <see cref="RecoveryException"/> says what to fix when it cannot be used.</summary>
    public static NodeStorage Open(StorageSettings settings, ILogger logger)
    {
        if (settings.Postgres is { } postgres)
        {
            // Connects, takes the schema's advisory lock and creates the tables; every failure is a RecoveryException
            // naming host, port, database and schema (never the password).
            var backend = new PostgresJournalBackend(postgres.ConnectionString, postgres.Schema, settings.Fsync);
            return new NodeStorage(settings, null, Create(backend, settings, logger));
        }
        FileStream directoryLock;
        try
        {
            Directory.CreateDirectory(settings.DataDir);
            // FileShare.None takes an exclusive advisory lock (flock) on Unix; it goes away with the process.
            directoryLock = new FileStream(Path.Combine(settings.DataDir, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new RecoveryException($"--data-dir {settings.DataDir} is in use by another Purple process ({ex.Message.TrimEnd('.')}). Stop it, or choose another --data-dir.");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new RecoveryException($"--data-dir {settings.DataDir} cannot be used: {ex.Message.TrimEnd('.')}. Create it, or make it writable by this user.");
        }
        try
        {
            var backend = new SqliteJournalBackend(settings.DataDir, settings.Fsync);
            return new NodeStorage(settings, directoryLock, Create(backend, settings, logger));
        }
        catch (Exception ex) when (ex is JournalCorruptException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            directoryLock.Dispose();
            throw new RecoveryException($"--data-dir {settings.DataDir}: the journal cannot be opened ({ex.Message.TrimEnd('.')}). " +
                "Make the directory writable, or move journal.db aside to start from the snapshots alone.");
        }
    }

    /// <summary>The first CAS after a restart: microseconds since 1970 × 16, above any CAS the previous run can have handed out.</summary>
    public static ulong InitialCas(TimeProvider time) => (ulong)(time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10 * 16;

    public bool Durable => true;

    public long LastSaveUnixSeconds => Storage.LastSaveUnixSeconds;

    public string? Save()
    {
        var result = Storage.Snapshot("SAVE");
        return result.Ok ? null : "ERR " + result.Error;
    }

    public BackgroundSave StartBackgroundSave(bool schedule) =>
        Storage.TryStartBackgroundSnapshot() ? BackgroundSave.Started
        : schedule && Storage.ScheduleBackgroundSnapshot() ? BackgroundSave.Scheduled
        : BackgroundSave.AlreadyRunning;

    public IReadOnlyList<KeyValuePair<string, string>> InfoFields()
    {
        var inv = CultureInfo.InvariantCulture;
        var journal = Storage.Journal;
        var recovery = Storage.Recovery;
        var last = Storage.LastSnapshot;
        string fsync = _settings.Fsync switch { FsyncMode.Always => "always", FsyncMode.EverySecond => "everysec", _ => "no" };
        return
        [
            new("loading", "0"),
            new("async_loading", "0"),
            new("rdb_changes_since_last_save", Math.Max(0, journal.LastAssigned - Storage.LastSnapshotSequence).ToString(inv)),
            new("rdb_bgsave_in_progress", Storage.SnapshotInProgress ? "1" : "0"),
            new("rdb_last_save_time", Storage.LastSaveUnixSeconds.ToString(inv)),
            new("rdb_last_bgsave_status", last is null || last.Ok ? "ok" : "err"),
            new("rdb_last_bgsave_time_sec", last is null ? "-1" : ((long)last.Duration.TotalSeconds).ToString(inv)),
            new("rdb_saves", Interlocked.Read(ref Storage.SnapshotsTaken).ToString(inv)),
            new("aof_enabled", "1"),
            new("aof_rewrite_in_progress", "0"),
            new("aof_last_write_status", journal.Fault is null ? "ok" : "err"),
            new("purple_storage", _settings.Mode),
            // A path, or host:port/database (schema s) for postgres: never a password.
            new("purple_data_dir", Storage.Location),
            new("purple_fsync", fsync),
            new("purple_journal_position", journal.LastAssigned.ToString(inv)),
            new("purple_journal_written", journal.LastWritten.ToString(inv)),
            new("purple_journal_synced", journal.LastSynced.ToString(inv)),
            new("purple_journal_commits", Interlocked.Read(ref journal.Commits).ToString(inv)),
            new("purple_journal_fsyncs", Interlocked.Read(ref journal.Syncs).ToString(inv)),
            new("purple_journal_bytes", Interlocked.Read(ref journal.BytesWritten).ToString(inv)),
            new("purple_snapshot_position", Storage.LastSnapshotSequence.ToString(inv)),
            new("purple_snapshot_keys", (last?.Keys ?? recovery?.SnapshotKeys ?? 0).ToString(inv)),
            new("purple_recovery_ms", ((long)(recovery?.Duration.TotalMilliseconds ?? 0)).ToString(inv)),
            new("purple_recovery_records", (recovery?.JournalRecords ?? 0).ToString(inv)),
            new("purple_recovery_truncated_records", (recovery?.TruncatedRecords ?? 0).ToString(inv)),
        ];
    }

    public async ValueTask DisposeAsync()
    {
        await Storage.DisposeAsync().ConfigureAwait(false);
        if (_lock is not null) await _lock.DisposeAsync().ConfigureAwait(false);
    }
}
