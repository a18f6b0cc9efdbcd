using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Purple.Storage;

/// <summary>
/// The embedded store (docs/storage.md, "SQLite"): <c>journal.db</c> in WAL mode, one row per group commit, and one
/// <c>snapshot-&lt;seq&gt;.db</c> file per snapshot, published by an fsynced rename. The journal connection is used by
/// one thread at a time (the interface's rule); each snapshot opens its own connection.
/// </summary>
public sealed class SqliteJournalBackend : IJournalBackend
{
    private const string JournalFile = "journal.db";
    private const string SnapshotPrefix = "snapshot-";
    private const string SnapshotSuffix = ".db";
    private const int SnapshotFormat = 2;

    private readonly string _directory;
    private readonly FsyncMode _fsync;
    private SqliteConnection _journal = null!;
    // A raw prepared statement rather than a SqliteCommand: the blob is bound straight from the commit buffer's span, where
    // a parameter wants a byte[] of its own, i.e. a copy of every batch (above 85 KB a large-object allocation, and
    // those drove gen-2 collections under pipelined writes: docs/performance.md, "Durable writes without copies").
    private sqlite3_stmt? _append;
    private FileStream? _wal;
    private SqliteCheckpointer? _checkpointer;

    // The journal connection's own checkpoint, after this many WAL pages: the backstop behind SqliteCheckpointer's, and
    // what lets the WAL start again from its beginning (SQLite's default is 1,000).
    private const int AutoCheckpointPages = 4000;

    public SqliteJournalBackend(string directory, FsyncMode fsync)
    {
        _directory = Path.GetFullPath(directory);
        _fsync = fsync;
        Directory.CreateDirectory(_directory);
        OpenJournal();
    }

    public string Location => _directory;

    private string JournalPath => Path.Combine(_directory, JournalFile);

    private void OpenJournal()
    {
        _journal = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = JournalPath, Pooling = false }.ToString());
        try
        {
            _journal.Open();
            // FULL syncs the WAL at each commit; NORMAL syncs it only at checkpoints, and Sync() adds the once-a-second
            // fsync; OFF leaves it to the OS (docs/storage.md).
            string synchronous = _fsync switch { FsyncMode.Always => "FULL", FsyncMode.EverySecond => "NORMAL", _ => "OFF" };
            Execute($"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA wal_autocheckpoint={AutoCheckpointPages};");
            Execute("CREATE TABLE IF NOT EXISTS batches (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, crc INTEGER NOT NULL, body BLOB NOT NULL)");
            // A damaged schema (a flipped byte in a column name) fails here rather than at the first write.
            int rc = raw.sqlite3_prepare_v2(_journal.Handle, "INSERT INTO batches (first_seq, last_seq, crc, body) VALUES (?1, ?2, ?3, ?4)", out _append);
            SqliteException.ThrowExceptionForRC(rc, _journal.Handle);
            // Under always a commit's replies wait for it, so a few hundred WAL pages at a time; otherwise ten a second
            // (each checkpoint syncs the database file).
            _checkpointer = new SqliteCheckpointer(JournalPath, synchronous,
                TimeSpan.FromMilliseconds(_fsync == FsyncMode.Always ? 25 : 100));
        }
        catch (SqliteException ex)
        {
            _journal.Dispose();
            throw new JournalCorruptException($"{JournalPath} cannot be opened as a journal: {ex.Message}", ex);
        }
    }

    private void Execute(string sql)
    {
        using var command = _journal.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public IEnumerable<StoredBatch> ReadBatches(long after = 0)
    {
        sqlite3 db = _journal.Handle!;
        // A rowid range seek: batches are contiguous ranges, so the one holding after+1 starts at the last first_seq <= after.
        var select = Prepare(db, "SELECT first_seq, last_seq, crc, body FROM batches " +
            "WHERE first_seq >= COALESCE((SELECT MAX(first_seq) FROM batches WHERE first_seq <= ?1), 0) AND last_seq > ?1 ORDER BY first_seq",
            JournalPath);
        using (select)
        {
            Check(raw.sqlite3_bind_int64(select, 1, after), db);
            var body = new ReusedBuffer();
            while (Step(db, select, JournalPath))
            {
                yield return new StoredBatch(IntegerColumn(select, 0, JournalPath), IntegerColumn(select, 1, JournalPath),
                    unchecked((uint)IntegerColumn(select, 2, JournalPath)), body.Hold(BlobColumn(select, 3, JournalPath)));
            }
        }
    }

    // Rows are read through raw statements rather than SqliteDataReader, whose GetValue boxes every integer and copies every
    // blob into an array of its own: recovery reads one blob per group commit (a journal's whole size), and each of those
    // arrays was a fresh page of memory to fault in (docs/performance.md, "Recovery without garbage").
    private static sqlite3_stmt Prepare(sqlite3 db, string sql, string path)
    {
        int rc = raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt statement);
        if (rc == raw.SQLITE_OK) return statement;
        statement.Dispose();
        throw new JournalCorruptException($"{path} cannot be read: {raw.sqlite3_errmsg(db).utf8_to_string()}");
    }

    private static bool Step(sqlite3 db, sqlite3_stmt statement, string path)
    {
        int rc = raw.sqlite3_step(statement);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc == raw.SQLITE_DONE) return false;
        throw new JournalCorruptException($"{path} cannot be read past this point: {raw.sqlite3_errmsg(db).utf8_to_string()}");
    }

    // Damaged pages can hand back a column of another type, or NULL; such a row is unreadable, not a value to convert.
    private static long IntegerColumn(sqlite3_stmt statement, int column, string path) =>
        raw.sqlite3_column_type(statement, column) == raw.SQLITE_INTEGER
            ? raw.sqlite3_column_int64(statement, column)
            : throw new JournalCorruptException($"{path} cannot be read past this point: column {column} is not an integer");

    private static ReadOnlySpan<byte> BlobColumn(sqlite3_stmt statement, int column, string path) =>
        raw.sqlite3_column_type(statement, column) == raw.SQLITE_BLOB
            ? raw.sqlite3_column_blob(statement, column)
            : throw new JournalCorruptException($"{path} cannot be read past this point: column {column} is not a blob");

    private static long Integer(SqliteDataReader reader, int ordinal) =>
        reader.GetValue(ordinal) is long value ? value : throw new InvalidCastException($"column {ordinal} is not an integer");

    public void Append(long first, long last, uint crc, ReadOnlySpan<byte> body)
    {
        sqlite3 db = _journal.Handle!;
        sqlite3_stmt append = _append!;
        try
        {
            Check(raw.sqlite3_bind_int64(append, 1, first), db);
            Check(raw.sqlite3_bind_int64(append, 2, last), db);
            Check(raw.sqlite3_bind_int64(append, 3, crc), db);
            Check(raw.sqlite3_bind_blob(append, 4, body), db);
            int rc = raw.sqlite3_step(append);
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, db);
            _checkpointer?.Appended();
        }
        finally
        {
            // Ends the statement's transaction on failure too, and frees SQLite's copy of the blob (bound transient)
            // rather than keeping up to a batch's 8 MB until the next append. No busy retry as SqliteCommand has: this
            // connection is the journal's only writer, and a failed append is retried by the journal every second.
            raw.sqlite3_reset(append);
            raw.sqlite3_clear_bindings(append);
        }
    }

    private static void Check(int rc, sqlite3 db)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
    }

    public void Sync()
    {
        // fsync works on the file, not the descriptor: syncing our own handle on the WAL flushes what SQLite wrote to it.
        if (_wal is null)
        {
            string path = JournalPath + "-wal";
            if (!File.Exists(path)) return;
            _wal = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        _wal.Flush(flushToDisk: true);
    }

    public void DeleteFrom(long first)
    {
        using var command = _journal.CreateCommand();
        command.CommandText = "DELETE FROM batches WHERE first_seq >= $first";
        command.Parameters.AddWithValue("$first", first);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            throw new JournalCorruptException($"{JournalPath} cannot be cut at position {first}: {ex.Message}", ex);
        }
    }

    public string? CheckJournal()
    {
        // quick_check reads every page and checks the b-trees (not index contents): damage the range read of recovery
        // did not touch would otherwise surface later as a failing append, with the node already serving. On a
        // read-only connection of its own (WAL lets it read beside the journal's), so it may run while recovery reads.
        var problems = new List<string>();
        try
        {
            using var connection = OpenReadOnly(JournalPath);
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check(5)";
            using var reader = command.ExecuteReader();
            while (reader.Read()) problems.Add(reader.GetValue(0)?.ToString() ?? "");
        }
        catch (SqliteException ex)
        {
            return ex.Message;
        }
        return problems is ["ok"] ? null : string.Join("; ", problems);
    }

    public bool DeleteThrough(long sequence, int maxBatches)
    {
        using var command = _journal.CreateCommand();
        // The batches to drop are the oldest (ranges are contiguous): a rowid-ordered scan from the start finds them.
        command.CommandText = "DELETE FROM batches WHERE first_seq IN " +
            "(SELECT first_seq FROM batches WHERE last_seq <= $seq ORDER BY first_seq LIMIT $max)";
        command.Parameters.AddWithValue("$seq", sequence);
        command.Parameters.AddWithValue("$max", maxBatches);
        return command.ExecuteNonQuery() < maxBatches;
    }

    public string ResetCorruptJournal()
    {
        CloseJournal();
        string stamp = DateTime.UtcNow.ToString("yyyyMMddTHHmmssZ", CultureInfo.InvariantCulture);
        string aside = JournalPath + ".corrupt-" + stamp;
        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(JournalPath + suffix)) File.Move(JournalPath + suffix, aside + suffix, overwrite: true);
        }
        FileSync.DirectoryOf(JournalPath);
        OpenJournal();
        return aside;
    }

    public IReadOnlyList<long> Snapshots()
    {
        var sequences = new List<long>();
        foreach (string path in Directory.EnumerateFiles(_directory, SnapshotPrefix + "*" + SnapshotSuffix))
        {
            string name = Path.GetFileName(path);
            string digits = name[SnapshotPrefix.Length..^SnapshotSuffix.Length];
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long sequence)) sequences.Add(sequence);
        }
        sequences.Sort((a, b) => b.CompareTo(a));
        return sequences;
    }

    private string SnapshotPath(long sequence) =>
        Path.Combine(_directory, SnapshotPrefix + sequence.ToString("D20", CultureInfo.InvariantCulture) + SnapshotSuffix);

    public void WriteSnapshot(long sequence, IEnumerable<StoredSnapshotChunk> chunks, Func<SnapshotHeader> header)
    {
        string final = SnapshotPath(sequence);
        string temporary = final + ".tmp";
        if (File.Exists(temporary)) File.Delete(temporary);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temporary, Pooling = false }.ToString()))
        {
            connection.Open();
            // The file is published by rename only once complete and fsynced, so it needs no rollback journal of its own.
            using (var setup = connection.CreateCommand())
            {
                setup.CommandText = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; " +
                    "CREATE TABLE meta (format INTEGER NOT NULL, sequence INTEGER NOT NULL, taken_at INTEGER NOT NULL, chunks INTEGER NOT NULL, crc INTEGER NOT NULL, keys INTEGER NOT NULL); " +
                    "CREATE TABLE chunks (ord INTEGER PRIMARY KEY, body BLOB NOT NULL, crc INTEGER NOT NULL);";
                setup.ExecuteNonQuery();
            }
            using var transaction = connection.BeginTransaction();
            InsertChunks(connection.Handle!, chunks);
            var done = header();
            using (var meta = connection.CreateCommand())
            {
                meta.Transaction = transaction;
                meta.CommandText = "INSERT INTO meta (format, sequence, taken_at, chunks, crc, keys) VALUES ($format, $seq, $taken, $chunks, $crc, $keys)";
                meta.Parameters.AddWithValue("$format", SnapshotFormat);
                meta.Parameters.AddWithValue("$seq", done.Sequence);
                meta.Parameters.AddWithValue("$taken", done.TakenAt);
                meta.Parameters.AddWithValue("$chunks", done.Chunks);
                meta.Parameters.AddWithValue("$crc", (long)done.Crc);
                meta.Parameters.AddWithValue("$keys", done.Keys);
                meta.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        FileSync.File(temporary);
        File.Move(temporary, final, overwrite: true);
        FileSync.DirectoryOf(final);
    }

    /// <summary>
    /// A raw prepared statement, as the journal's append: it binds each chunk from the encoder's buffer, where a
    /// parameter would want an array of its own per chunk. Runs inside the connection's open transaction.
    /// </summary>
    private static void InsertChunks(sqlite3 db, IEnumerable<StoredSnapshotChunk> chunks)
    {
        Check(raw.sqlite3_prepare_v2(db, "INSERT INTO chunks (body, crc) VALUES (?1, ?2)", out sqlite3_stmt insert), db);
        try
        {
            foreach (var chunk in chunks)
            {
                Check(raw.sqlite3_bind_blob(insert, 1, chunk.Body.Span), db);
                Check(raw.sqlite3_bind_int64(insert, 2, chunk.Crc), db);
                int rc = raw.sqlite3_step(insert);
                if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, db);
                raw.sqlite3_reset(insert);
                raw.sqlite3_clear_bindings(insert);
            }
        }
        finally
        {
            insert.Dispose();
        }
    }

    public (SnapshotHeader Header, IEnumerable<StoredSnapshotChunk> Chunks) ReadSnapshot(long sequence)
    {
        string path = SnapshotPath(sequence);
        SnapshotHeader header;
        try
        {
            using var connection = OpenReadOnly(path);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT format, sequence, taken_at, chunks, crc, keys FROM meta";
            using var reader = command.ExecuteReader();
            if (!reader.Read()) throw new JournalCorruptException($"{path} has no header row");
            if (Integer(reader, 0) != SnapshotFormat) throw new JournalCorruptException($"{path} has unknown format {Integer(reader, 0)}");
            header = new SnapshotHeader(Integer(reader, 1), Integer(reader, 2), Integer(reader, 3), unchecked((uint)Integer(reader, 4)), Integer(reader, 5));
        }
        catch (Exception ex) when (ex is SqliteException or InvalidCastException or InvalidOperationException)
        {
            throw new JournalCorruptException($"{path} cannot be read: {ex.Message}", ex);
        }
        if (header.Sequence != sequence) throw new JournalCorruptException($"{path} says it covers position {header.Sequence}");
        return (header, ReadChunks(path));
    }

    private static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static IEnumerable<StoredSnapshotChunk> ReadChunks(string path)
    {
        SqliteConnection connection;
        try
        {
            connection = OpenReadOnly(path);
        }
        catch (SqliteException ex)
        {
            throw new JournalCorruptException($"{path} cannot be read: {ex.Message}", ex);
        }
        using (connection)
        {
            sqlite3 db = connection.Handle!;
            using var select = Prepare(db, "SELECT body, crc FROM chunks ORDER BY ord", path);
            var body = new ReusedBuffer();
            while (Step(db, select, path))
            {
                yield return new StoredSnapshotChunk(body.Hold(BlobColumn(select, 0, path)), unchecked((uint)IntegerColumn(select, 1, path)));
            }
        }
    }

    public void DeleteSnapshot(long sequence)
    {
        string path = SnapshotPath(sequence);
        if (File.Exists(path)) File.Delete(path);
    }

    public string QuarantineSnapshot(long sequence)
    {
        string path = SnapshotPath(sequence);
        string aside = path + ".corrupt";
        if (File.Exists(path)) File.Move(path, aside, overwrite: true);
        return aside;
    }

    private void CloseJournal()
    {
        _checkpointer?.Dispose();
        _checkpointer = null;
        _wal?.Dispose();
        _wal = null;
        _append?.Dispose();
        _append = null;
        _journal?.Dispose();
    }

    public void Dispose() => CloseJournal();
}
