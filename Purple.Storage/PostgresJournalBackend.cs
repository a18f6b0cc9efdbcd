using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Purple.Storage;

/// <summary>
/// The journal and snapshots in PostgreSQL (docs/storage.md, "PostgreSQL"), for nodes whose own disk does not last:
/// tables <c>journal</c>, <c>snapshots</c>, <c>snapshot_chunks</c> and <c>meta</c> in a schema of their own.
/// <para>
/// Connections: the journal connection is one long-lived session (not pooled) that holds the schema's advisory lock
/// and is used only by journal calls (one thread at a time, the interface's rule); snapshot calls take pooled
/// connections of their own, so a snapshot and group commits run side by side.
/// </para>
/// <para>
/// Durability: <see cref="FsyncMode.Always"/> commits with <c>synchronous_commit = on</c>, so an acknowledged write is in
/// PostgreSQL's flushed WAL. <see cref="FsyncMode.EverySecond"/> and <see cref="FsyncMode.No"/> commit with
/// <c>synchronous_commit = off</c>: PostgreSQL acknowledges before its WAL is flushed and its WAL writer flushes within
/// 3 × wal_writer_delay (600 ms by default). A PostgreSQL crash can therefore lose the last commits while this node goes
/// on, which would leave a hole in the journal; so every batch is also kept in memory until a flush barrier (a
/// one-row update committed with <c>synchronous_commit = on</c>, which flushes all WAL before it) confirms it, and the
/// batches kept are sent again (idempotently) whenever the journal connection is opened anew. <see cref="Sync"/> is that
/// barrier; under <see cref="FsyncMode.No"/> the backend takes it itself at most once a second, only to bound what it keeps.
/// </para>
/// </summary>
public sealed partial class PostgresJournalBackend : IJournalBackend
{
    public const string DefaultSchema = "purple";
    private const int SnapshotFormat = 2;
    private const int Format = 1;
    /// <summary>Under --fsync no the backend takes the flush barrier itself this often, only to bound the batches it keeps.</summary>
    private static readonly TimeSpan NoModeBarrierInterval = TimeSpan.FromSeconds(1);

    private readonly FsyncMode _fsync;
    private readonly string _schema;
    private readonly string _s;  // the schema, quoted for SQL
    private readonly long _lockKey;
    private readonly NpgsqlDataSource _journalSource;
    private readonly NpgsqlDataSource _snapshotSource;
    private readonly List<StoredBatch> _unflushed = [];
    private readonly string _server;  // host:port/database, for messages that name the schema themselves
    private NpgsqlConnection? _journal;
    private bool _resendPending;
    private long _lastBarrier = Environment.TickCount64;

    /// <summary>
    /// Connects, takes the schema's advisory lock, and creates the schema and tables when missing. Throws
    /// <see cref="RecoveryException"/> with what to do when the server cannot be reached or the schema is taken.
    /// </summary>
    public PostgresJournalBackend(string connectionString, string schema, FsyncMode fsync)
    {
        if (!IsValidSchema(schema)) throw new ArgumentException($"'{schema}' is not a schema name Purple uses (lower-case letters, digits and _, at most 63).", nameof(schema));
        _fsync = fsync;
        _schema = schema;
        _s = "\"" + schema + "\"";
        _lockKey = LockKey(schema);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new RecoveryException($"--postgres is not a valid connection string: {ex.Message}");
        }
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "purple-node";
        Location = Describe(builder, schema);
        _server = Server(builder);
        var journal = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = false };
        _journalSource = NpgsqlDataSource.Create(journal.ConnectionString);
        var snapshots = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Pooling = true, MaxPoolSize = Math.Min(builder.MaxPoolSize, 4), MinPoolSize = Math.Min(builder.MinPoolSize, 4) };
        _snapshotSource = NpgsqlDataSource.Create(snapshots.ConnectionString);
        try
        {
            _journal = OpenJournal(startup: true);
            CreateTables(_journal);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            Dispose();
            throw new RecoveryException($"PostgreSQL at {Location} cannot be used: {Reason(ex)}. " +
                "Check --postgres (host, port, database, user; the password from the connection string, --postgres-password-file or PGPASSWORD) and that the server accepts connections.");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>host:port/database (schema s): what logs and INFO show. Never the user's password.</summary>
    public string Location { get; }

    /// <summary>Schema names Purple accepts: an unquoted lower-case PostgreSQL identifier.</summary>
    public static bool IsValidSchema(string schema) => SchemaPattern().IsMatch(schema);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaPattern();

    /// <summary>The advisory-lock key of a schema: stable across processes and versions (SHA-256 of "purple:" + name).</summary>
    public static long LockKey(string schema) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("purple:" + schema)));

    public static string Describe(NpgsqlConnectionStringBuilder builder, string schema) => $"{Server(builder)} (schema {schema})";

    private static string Server(NpgsqlConnectionStringBuilder builder) =>
        $"{builder.Host ?? "localhost"}:{builder.Port}/{builder.Database ?? builder.Username ?? "?"}";

    private static string Reason(Exception ex)
    {
        // Npgsql's messages name the host, the user and the SQLSTATE; none carries the password.
        var inner = ex;
        while (inner is NpgsqlException { InnerException: { } next } && inner is not PostgresException) inner = next;
        return inner.Message.TrimEnd('.');
    }

    private NpgsqlConnection OpenJournal(bool startup)
    {
        var connection = _journalSource.OpenConnection();
        try
        {
            using (var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
            {
                lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _lockKey });
                if (lockCommand.ExecuteScalar() is not true)
                {
                    string holder = LockHolder(connection);
                    throw new RecoveryException(startup
                        ? $"schema {_schema} at {_server} is in use by another Purple node{holder}. Stop it, or give this node its own --postgres-schema."
                        : $"schema {_schema} at {_server} was taken by another Purple node{holder} while this node's connection was lost; this node will not write to it.");
                }
            }
            // Set explicitly, whatever the server's, database's or role's default is.
            Execute(connection, _fsync == FsyncMode.Always ? "SET synchronous_commit = on" : "SET synchronous_commit = off");
            _resendPending = true;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>" (PostgreSQL backend pid N, application …, client …)" when PostgreSQL lets this role see who holds the lock.</summary>
    private string LockHolder(NpgsqlConnection connection)
    {
        try
        {
            using var command = new NpgsqlCommand(
                "SELECT a.pid, a.application_name, host(a.client_addr) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid " +
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
                "AND l.classid::bigint = $1 AND l.objid::bigint = $2 LIMIT 1", connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)((ulong)_lockKey >> 32) });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _lockKey & 0xFFFF_FFFFL });
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return "";
            string application = reader.IsDBNull(1) ? "" : reader.GetString(1);
            string client = reader.IsDBNull(2) ? "" : reader.GetString(2);
            return $" (PostgreSQL backend pid {reader.GetInt32(0)}" + (application.Length > 0 ? $", application {application}" : "") +
                (client.Length > 0 ? $", client {client}" : "") + ")";
        }
        catch (NpgsqlException)
        {
            return "";
        }
    }

    private void CreateTables(NpgsqlConnection connection)
    {
        Execute(connection, $"""
            CREATE SCHEMA IF NOT EXISTS {_s};
            CREATE TABLE IF NOT EXISTS {_s}.meta (id int PRIMARY KEY CHECK (id = 1), format int NOT NULL, synced_at timestamptz);
            INSERT INTO {_s}.meta (id, format) VALUES (1, {Format}) ON CONFLICT (id) DO NOTHING;
            CREATE TABLE IF NOT EXISTS {_s}.journal ({JournalColumns("journal_pkey")});
            CREATE TABLE IF NOT EXISTS {_s}.snapshots (seq bigint PRIMARY KEY, format int NOT NULL, taken_at bigint NOT NULL,
                chunks bigint NOT NULL, crc bigint NOT NULL, keys bigint NOT NULL, quarantined_at timestamptz);
            CREATE TABLE IF NOT EXISTS {_s}.snapshot_chunks (seq bigint NOT NULL, ord bigint NOT NULL,
                body bytea NOT NULL, crc bigint NOT NULL, PRIMARY KEY (seq, ord));
            """);
        using var format = new NpgsqlCommand($"SELECT format FROM {_s}.meta WHERE id = 1", connection);
        if (format.ExecuteScalar() is int stored && stored != Format)
            throw new RecoveryException($"schema {_schema} at {_server} holds Purple storage format {stored}; this version reads format {Format}.");
    }

    private static string JournalColumns(string primaryKey) =>
        $"first_seq bigint NOT NULL, last_seq bigint NOT NULL, crc bigint NOT NULL, body bytea NOT NULL, CONSTRAINT {primaryKey} PRIMARY KEY (first_seq)";

    private static void Execute(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    /// <summary>The journal connection; opened anew (lock retaken, kept batches sent again) when the last one broke.</summary>
    private NpgsqlConnection Journal()
    {
        if (_journal is not { FullState: ConnectionState.Open })
        {
            _journal?.Dispose();
            _journal = null;
            _journal = OpenJournal(startup: false);
        }
        if (_resendPending)
        {
            if (_unflushed.Count > 0) Resend(_journal);
            _resendPending = false;
        }
        return _journal;
    }

    /// <summary>Runs a journal operation; a connection that broke (server restart, idle kill) is reopened and the operation tried once more.</summary>
    private T OnJournal<T>(Func<NpgsqlConnection, T> operation)
    {
        for (int attempt = 0; ; attempt++)
        {
            var connection = Journal();
            try
            {
                return operation(connection);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                if (connection.FullState == ConnectionState.Open) throw;
                _journal = null;
                connection.Dispose();
                if (attempt > 0) throw;
            }
        }
    }

    /// <summary>
    /// Batches kept since the last flush barrier, written again after a new connection: PostgreSQL may have lost them
    /// in a crash (synchronous_commit off). Those it kept are left as they are.
    /// </summary>
    private void Resend(NpgsqlConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        foreach (var batch in _unflushed) Insert(connection, transaction, batch);
        transaction.Commit();
    }

    public IEnumerable<StoredBatch> ReadBatches(long after = 0)
    {
        NpgsqlCommand command;
        NpgsqlDataReader reader;
        try
        {
            // Batches are contiguous ranges: the one holding after+1 starts at the last first_seq <= after (an index seek).
            command = new NpgsqlCommand($"SELECT first_seq, last_seq, crc, body FROM {_s}.journal " +
                $"WHERE first_seq >= COALESCE((SELECT max(first_seq) FROM {_s}.journal WHERE first_seq <= $1), 0) AND last_seq > $1 " +
                "ORDER BY first_seq", Journal());
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw ReadFailure(ex, "the journal");
        }
        try
        {
            reader = command.ExecuteReader();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            command.Dispose();
            throw ReadFailure(ex, "the journal");
        }
        using (command)
        using (reader)
        {
            var body = new ReusedBuffer();
            while (NextBatch(reader, body) is { } batch) yield return batch;
        }
    }

    private StoredBatch? NextBatch(NpgsqlDataReader reader, ReusedBuffer body)
    {
        try
        {
            if (!reader.Read()) return null;
            return new StoredBatch(reader.GetInt64(0), reader.GetInt64(1), unchecked((uint)reader.GetInt64(2)), Bytes(reader, 3, body));
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidCastException)
        {
            throw ReadFailure(ex, "the journal");
        }
    }

    /// <summary>
    /// Damage PostgreSQL reports in the data itself (SQLSTATE classes XX and 58: a bad page, a missing file) is
    /// <see cref="JournalCorruptException"/>, which recovery works around; anything else (the server went away) must not
    /// be mistaken for damage — a good journal moved aside or a good snapshot quarantined — so it refuses to start.
    /// </summary>
    private Exception ReadFailure(Exception ex, string what)
    {
        if (ex is PostgresException { SqlState: var state } && (state.StartsWith("XX", StringComparison.Ordinal) || state.StartsWith("58", StringComparison.Ordinal)) || ex is InvalidCastException)
            return new JournalCorruptException($"{what} in {Location} cannot be read: {Reason(ex)}", ex);
        return new RecoveryException($"PostgreSQL at {Location} failed while {what} was read: {Reason(ex)}. Start again once the server is reachable.");
    }

    public void Append(long first, long last, uint crc, ReadOnlySpan<byte> body)
    {
        var batch = new StoredBatch(first, last, crc, body.ToArray());
        OnJournal(connection =>
        {
            Insert(connection, null, batch);
            return 0;
        });
        if (_fsync == FsyncMode.Always) return;
        _unflushed.Add(batch);
        if (_fsync == FsyncMode.No && Environment.TickCount64 - _lastBarrier >= NoModeBarrierInterval.TotalMilliseconds)
        {
            try
            {
                Sync();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                // Only bounds the memory kept; the batch itself is committed. Tried again at the next commit.
            }
        }
    }

    /// <summary>
    /// Inserts a batch; one already there with the same range and checksum is success (a commit whose acknowledgement
    /// the broken connection lost, or a batch sent again), one that differs is an error.
    /// </summary>
    private void Insert(NpgsqlConnection connection, NpgsqlTransaction? transaction, StoredBatch batch)
    {
        using (var insert = new NpgsqlCommand($"INSERT INTO {_s}.journal (first_seq, last_seq, crc, body) VALUES ($1, $2, $3, $4) ON CONFLICT (first_seq) DO NOTHING", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.First });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.Last });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.Crc });
            insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = batch.Body, NpgsqlDbType = NpgsqlDbType.Bytea });
            if (insert.ExecuteNonQuery() == 1) return;
        }
        using var check = new NpgsqlCommand($"SELECT last_seq, crc FROM {_s}.journal WHERE first_seq = $1", connection, transaction);
        check.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batch.First });
        using var reader = check.ExecuteReader();
        if (reader.Read() && reader.GetInt64(0) == batch.Last && reader.GetInt64(1) == batch.Crc) return;
        throw new InvalidOperationException($"the journal in {Location} already holds a different batch at position {batch.First}; is another writer using schema {_schema}?");
    }

    /// <summary>
    /// The flush barrier: a one-row update committed with synchronous_commit on returns once PostgreSQL's WAL is flushed
    /// through it, and so through every commit before it. Then the batches kept for a resend are no longer needed.
    /// </summary>
    public void Sync()
    {
        if (_fsync == FsyncMode.Always) return;
        OnJournal(connection =>
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, "SET LOCAL synchronous_commit = on", transaction);
            Execute(connection, $"UPDATE {_s}.meta SET synced_at = now() WHERE id = 1", transaction);
            transaction.Commit();
            return 0;
        });
        _unflushed.Clear();
        _lastBarrier = Environment.TickCount64;
    }

    public void DeleteFrom(long first)
    {
        Recovering("the corrupt journal tail was deleted", () => OnJournal(connection =>
        {
            using var command = new NpgsqlCommand($"DELETE FROM {_s}.journal WHERE first_seq >= $1", connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
            return command.ExecuteNonQuery();
        }));
        _unflushed.RemoveAll(b => b.First >= first);
    }

    /// <summary>Runs a recovery-only step; the server failing meanwhile refuses to start, with a message, rather than a stack trace.</summary>
    private void Recovering(string what, Action step)
    {
        try
        {
            step();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw new RecoveryException($"PostgreSQL at {Location} failed while {what}: {Reason(ex)}. Start again once the server is reachable.");
        }
    }

    public bool DeleteThrough(long sequence, int maxBatches)
    {
        int deleted = OnJournal(connection =>
        {
            using var command = new NpgsqlCommand($"DELETE FROM {_s}.journal WHERE first_seq IN " +
                $"(SELECT first_seq FROM {_s}.journal WHERE last_seq <= $1 ORDER BY first_seq LIMIT $2)", connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxBatches });
            return command.ExecuteNonQuery();
        });
        // A snapshot (committed with synchronous_commit on) covers them now: nothing to send again.
        _unflushed.RemoveAll(b => b.Last <= sequence);
        return deleted < maxBatches;
    }

    // PostgreSQL checks its own pages (and a damaged one fails the query that reads it, which recovery handles):
    // there is no cheap whole-table check to add here.
    public string? CheckJournal() => null;

    public string ResetCorruptJournal()
    {
        string aside = "journal_corrupt_" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture).ToLowerInvariant();
        Recovering("the unreadable journal was moved aside", () => OnJournal(connection =>
        {
            using var transaction = connection.BeginTransaction();
            for (int n = 2; TableExists(connection, transaction, aside); n++) aside = aside.Split("__")[0] + "__" + n.ToString(CultureInfo.InvariantCulture);
            Execute(connection, $"ALTER TABLE {_s}.journal RENAME CONSTRAINT journal_pkey TO {aside}_pkey", transaction);
            Execute(connection, $"ALTER TABLE {_s}.journal RENAME TO {aside}", transaction);
            Execute(connection, $"CREATE TABLE {_s}.journal ({JournalColumns("journal_pkey")})", transaction);
            transaction.Commit();
            return 0;
        }));
        _unflushed.Clear();
        return $"{_schema}.{aside} at {Location}";
    }

    private bool TableExists(NpgsqlConnection connection, NpgsqlTransaction transaction, string table)
    {
        using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{_s}.{table}" });
        return command.ExecuteScalar() is true;
    }

    public IReadOnlyList<long> Snapshots()
    {
        using var connection = OpenSnapshotConnection("the snapshot list");
        try
        {
            using var command = new NpgsqlCommand($"SELECT seq FROM {_s}.snapshots WHERE quarantined_at IS NULL ORDER BY seq DESC", connection);
            using var reader = command.ExecuteReader();
            var sequences = new List<long>();
            while (reader.Read()) sequences.Add(reader.GetInt64(0));
            return sequences;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw new RecoveryException($"PostgreSQL at {Location} failed while the snapshot list was read: {Reason(ex)}. Start again once the server is reachable.");
        }
    }

    private NpgsqlConnection OpenSnapshotConnection(string what)
    {
        try
        {
            return _snapshotSource.OpenConnection();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw new RecoveryException($"PostgreSQL at {Location} cannot be reached for {what}: {Reason(ex)}.");
        }
    }

    /// <summary>
    /// One transaction: the snapshot's previous chunks (a repeat at the same position) go, the new ones are sent by binary
    /// COPY, and the header goes in last; committed with synchronous_commit on whatever --fsync says, because
    /// compaction will delete the journal the snapshot replaces.
    /// </summary>
    public void WriteSnapshot(long sequence, IEnumerable<StoredSnapshotChunk> chunks, Func<SnapshotHeader> header)
    {
        using var connection = _snapshotSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, "SET LOCAL synchronous_commit = on", transaction);
        DeleteSnapshotRows(connection, transaction, sequence);
        using (var copy = connection.BeginBinaryImport($"COPY {_s}.snapshot_chunks (seq, ord, body, crc) FROM STDIN (FORMAT BINARY)"))
        {
            long ord = 0;
            foreach (var chunk in chunks)
            {
                copy.StartRow();
                copy.Write(sequence, NpgsqlDbType.Bigint);
                copy.Write(++ord, NpgsqlDbType.Bigint);
                copy.Write(chunk.Body, NpgsqlDbType.Bytea);
                copy.Write((long)chunk.Crc, NpgsqlDbType.Bigint);
            }
            copy.Complete();
        }
        var done = header();
        using (var insert = new NpgsqlCommand($"INSERT INTO {_s}.snapshots (seq, format, taken_at, chunks, crc, keys) VALUES ($1, $2, $3, $4, $5, $6)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = done.Sequence });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = SnapshotFormat });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = done.TakenAt });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = done.Chunks });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = done.Crc });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = done.Keys });
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public (SnapshotHeader Header, IEnumerable<StoredSnapshotChunk> Chunks) ReadSnapshot(long sequence)
    {
        string what = $"snapshot {sequence}";
        SnapshotHeader header;
        using (var connection = OpenSnapshotConnection(what))
        {
            try
            {
                using var command = new NpgsqlCommand($"SELECT format, seq, taken_at, chunks, crc, keys FROM {_s}.snapshots WHERE seq = $1", connection);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
                using var reader = command.ExecuteReader();
                if (!reader.Read()) throw new JournalCorruptException($"{what} in {Location} has no header row");
                if (reader.GetInt32(0) != SnapshotFormat) throw new JournalCorruptException($"{what} in {Location} has unknown format {reader.GetInt32(0)}");
                header = new SnapshotHeader(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), unchecked((uint)reader.GetInt64(4)), reader.GetInt64(5));
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidCastException)
            {
                throw ReadFailure(ex, what);
            }
        }
        return (header, ReadChunks(sequence, what));
    }

    private IEnumerable<StoredSnapshotChunk> ReadChunks(long sequence, string what)
    {
        var connection = OpenSnapshotConnection(what);
        NpgsqlCommand command;
        NpgsqlDataReader reader;
        try
        {
            command = new NpgsqlCommand($"SELECT body, crc FROM {_s}.snapshot_chunks WHERE seq = $1 ORDER BY ord", connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
            reader = command.ExecuteReader();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            connection.Dispose();
            throw ReadFailure(ex, what);
        }
        using (connection)
        using (command)
        using (reader)
        {
            var body = new ReusedBuffer();
            while (NextChunk(reader, what, body) is { } chunk) yield return chunk;
        }
    }

    private StoredSnapshotChunk? NextChunk(NpgsqlDataReader reader, string what, ReusedBuffer body)
    {
        try
        {
            if (!reader.Read()) return null;
            return new StoredSnapshotChunk(Bytes(reader, 0, body), unchecked((uint)reader.GetInt64(1)));
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidCastException)
        {
            throw ReadFailure(ex, what);
        }
    }

    /// <summary>A bytea column copied into the reader's one buffer rather than an array of its own per row.</summary>
    private static ReadOnlyMemory<byte> Bytes(NpgsqlDataReader reader, int ordinal, ReusedBuffer body)
    {
        int length = checked((int)reader.GetBytes(ordinal, 0, null, 0, 0));
        var buffer = body.Reserve(length);
        long read = reader.GetBytes(ordinal, 0, buffer, 0, length);
        if (read != length) throw new InvalidCastException($"column {ordinal} gave {read} of its {length} bytes");
        return buffer.AsMemory(0, length);
    }

    public void DeleteSnapshot(long sequence)
    {
        using var connection = OpenSnapshotConnection($"snapshot {sequence}");
        using var transaction = connection.BeginTransaction();
        DeleteSnapshotRows(connection, transaction, sequence);
        transaction.Commit();
    }

    private void DeleteSnapshotRows(NpgsqlConnection connection, NpgsqlTransaction transaction, long sequence)
    {
        // Positional parameters mean one statement per command.
        foreach (string table in new[] { "snapshots", "snapshot_chunks" })
        {
            using var command = new NpgsqlCommand($"DELETE FROM {_s}.{table} WHERE seq = $1", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
            command.ExecuteNonQuery();
        }
    }

    public string QuarantineSnapshot(long sequence)
    {
        using var connection = OpenSnapshotConnection($"snapshot {sequence}");
        using var command = new NpgsqlCommand($"UPDATE {_s}.snapshots SET quarantined_at = now() WHERE seq = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        command.ExecuteNonQuery();
        return $"{_schema}.snapshots seq {sequence} (quarantined_at set) at {Location}";
    }

    public void Dispose()
    {
        // Closing the session releases the advisory lock.
        _journal?.Dispose();
        _journal = null;
        _journalSource.Dispose();
        _snapshotSource.Dispose();
    }
}
