using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Purple.Actors;
using Purple.Core.Execution;

namespace Purple.Storage.Tests;

/// <summary>A clock tests move by hand.</summary>
internal sealed class ManualTime(long startMs) : TimeProvider
{
    public long NowMs = startMs;
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref NowMs));
}

/// <summary>Collects log lines, so tests can check what recovery reported (and that no value leaked into it).</summary>
internal sealed class ListLogger : ILogger
{
    public List<string> Lines { get; } = [];
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines) Lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}

/// <summary>
/// Where a test node keeps its journal and snapshots: a fresh SQLite data directory (<see cref="DataDir"/>) or a fresh
/// PostgreSQL schema (<see cref="PostgresSchema"/>), with the engine + durable storage a node would build over it, and the
/// backend-specific ways tests damage what is stored.
/// </summary>
internal abstract class TestStore : IDisposable
{
    public abstract IJournalBackend CreateBackend(FsyncMode fsync);

    public Node Open(FsyncMode fsync = FsyncMode.EverySecond, ManualTime? time = null, int databases = 16, bool snapshotOnStop = false, bool recover = true)
    {
        var node = new Node(CreateBackend(fsync), fsync, time ?? new ManualTime(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), databases, snapshotOnStop);
        if (recover) node.RecoverAndStart();
        return node;
    }

    /// <summary>Usable snapshots (not quarantined).</summary>
    public abstract int SnapshotCount();

    /// <summary>Sequences of the usable snapshots, oldest first.</summary>
    public abstract long[] SnapshotSequences();

    public abstract bool IsQuarantined(long sequence);

    /// <summary>Changes the body of the newest snapshot's last row without fixing its checksum, as a bad sector would.</summary>
    public abstract void DamageNewestSnapshotRow();

    /// <summary>Replaces the last byte of the journal batch starting at <paramref name="first"/> (checksum left as it was).</summary>
    public abstract void DamageBatch(long first);

    public abstract void DeleteBatch(long first);

    /// <summary>First positions of the stored journal batches, read on a connection of the test's own.</summary>
    public abstract long[] BatchFirsts();

    public abstract void Dispose();
}

/// <summary>A temporary SQLite data directory.</summary>
internal sealed class DataDir : TestStore
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "purple-storage-" + Guid.NewGuid().ToString("N"));

    public DataDir() => Directory.CreateDirectory(Path);

    public override IJournalBackend CreateBackend(FsyncMode fsync) => new SqliteJournalBackend(Path, fsync);

    public string JournalFile => System.IO.Path.Combine(Path, "journal.db");

    public string[] SnapshotFiles() => Directory.GetFiles(Path, "snapshot-*.db").Order(StringComparer.Ordinal).ToArray();

    public override int SnapshotCount() => SnapshotFiles().Length;

    public override long[] SnapshotSequences() =>
        SnapshotFiles().Select(f => long.Parse(System.IO.Path.GetFileNameWithoutExtension(f)["snapshot-".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private string SnapshotFile(long sequence) =>
        System.IO.Path.Combine(Path, "snapshot-" + sequence.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + ".db");

    public override bool IsQuarantined(long sequence) => File.Exists(SnapshotFile(sequence) + ".corrupt");

    private static int Execute(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    public override void DamageNewestSnapshotRow() => Assert.Equal(1, Execute(SnapshotFiles()[^1],
        "UPDATE chunks SET body = CAST(body || x'00' AS BLOB) WHERE ord = (SELECT MAX(ord) FROM chunks)"));

    public override void DamageBatch(long first) => Assert.Equal(1, Execute(JournalFile,
        $"UPDATE batches SET body = CAST(substr(body, 1, length(body) - 1) || x'7F' AS BLOB) WHERE first_seq = {first}"));

    public override void DeleteBatch(long first) => Assert.Equal(1, Execute(JournalFile, $"DELETE FROM batches WHERE first_seq = {first}"));

    public override long[] BatchFirsts()
    {
        using var connection = new SqliteConnection($"Data Source={JournalFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT first_seq FROM batches ORDER BY first_seq";
        using var reader = command.ExecuteReader();
        var firsts = new List<long>();
        while (reader.Read()) firsts.Add(reader.GetInt64(0));
        return [.. firsts];
    }

    public override void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A fresh schema in the PostgreSQL that PURPLE_TEST_POSTGRES names (./test.sh starts a throwaway cluster with
/// tests/tools/postgres.sh and sets it); dropped at the end. Without the variable the test fails: a missing server is
/// a failure, never a skip.
/// </summary>
internal sealed class PostgresSchema : TestStore
{
    public const string Variable = "PURPLE_TEST_POSTGRES";

    public PostgresSchema()
    {
        ConnectionString = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : throw new InvalidOperationException(
            $"{Variable} is not set, so the PostgreSQL storage tests cannot run. ./test.sh starts a throwaway PostgreSQL (tests/tools/postgres.sh) " +
            $"and sets it; by hand: tests/tools/postgres.sh start /tmp/purple-pg && eval \"$(tests/tools/postgres.sh env /tmp/purple-pg)\"");
        Name = "t_" + Guid.NewGuid().ToString("N");
    }

    public string ConnectionString { get; }
    public string Name { get; }

    public override IJournalBackend CreateBackend(FsyncMode fsync) => new PostgresJournalBackend(ConnectionString, Name, fsync);

    public NpgsqlConnection Connect()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, ApplicationName = "purple-test" }.ConnectionString);
        connection.Open();
        return connection;
    }

    public int Execute(string sql)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteNonQuery();
    }

    public long[] Longs(string sql)
    {
        using var connection = Connect();
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var values = new List<long>();
        while (reader.Read()) values.Add(reader.GetInt64(0));
        return [.. values];
    }

    public override int SnapshotCount() => SnapshotSequences().Length;

    public override long[] SnapshotSequences() => Longs($"SELECT seq FROM {Name}.snapshots WHERE quarantined_at IS NULL ORDER BY seq");

    public override bool IsQuarantined(long sequence) =>
        Longs($"SELECT seq FROM {Name}.snapshots WHERE quarantined_at IS NOT NULL AND seq = {sequence}").Length == 1;

    public override void DamageNewestSnapshotRow() => Assert.Equal(1, Execute(
        $"UPDATE {Name}.snapshot_chunks SET body = body || '\\x00'::bytea WHERE (seq, ord) = " +
        $"(SELECT seq, max(ord) FROM {Name}.snapshot_chunks WHERE seq = (SELECT max(seq) FROM {Name}.snapshots) GROUP BY seq)"));

    public override void DamageBatch(long first) => Assert.Equal(1, Execute(
        $"UPDATE {Name}.journal SET body = overlay(body placing '\\x7f'::bytea from length(body)) WHERE first_seq = {first}"));

    public override void DeleteBatch(long first) => Assert.Equal(1, Execute($"DELETE FROM {Name}.journal WHERE first_seq = {first}"));

    public override long[] BatchFirsts() => Longs($"SELECT first_seq FROM {Name}.journal ORDER BY first_seq");

    /// <summary>The PostgreSQL backend pid holding this schema's advisory lock (the journal connection), or 0.</summary>
    public int LockHolderPid()
    {
        long key = PostgresJournalBackend.LockKey(Name);
        var pids = Longs($"SELECT pid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 " +
            $"AND classid::bigint = {(long)((ulong)key >> 32)} AND objid::bigint = {key & 0xFFFF_FFFFL}");
        return pids.Length == 0 ? 0 : (int)pids[0];
    }

    /// <summary>Ends the journal connection from the server side, as a server restart or an idle-connection killer would.</summary>
    public void TerminateJournalConnection()
    {
        int pid = LockHolderPid();
        Assert.NotEqual(0, pid);
        Assert.Single(Longs($"SELECT 1 FROM (SELECT pg_terminate_backend({pid}, 5000) AS done) t WHERE done"));
    }

    public override void Dispose()
    {
        try
        {
            Execute($"DROP SCHEMA IF EXISTS {Name} CASCADE");
        }
        catch (NpgsqlException)
        {
        }
    }
}

internal sealed class Node : IAsyncDisposable
{
    public Node(IJournalBackend backend, FsyncMode fsync, ManualTime time, int databases, bool snapshotOnStop)
    {
        Time = time;
        Backend = backend;
        Storage = new DurableStorage(Backend, new DurableStorageOptions { Fsync = fsync, Time = time, SnapshotOnStop = snapshotOnStop }, Log);
        Engine = new PurpleEngine(new EngineOptions
        {
            Databases = databases, Shards = 8, Time = time, ActiveDefrag = false, Journal = Storage.Journal,
            InitialCas = 1_000_000,
        });
    }

    public ManualTime Time { get; }
    public ListLogger Log { get; } = new();
    public IJournalBackend Backend { get; }
    public DurableStorage Storage { get; }
    public PurpleEngine Engine { get; }
    public RecoveryReport? Report { get; private set; }

    public void RecoverAndStart()
    {
        Report = Storage.Recover(Engine, Engine.Databases);
        Storage.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await Storage.DisposeAsync();
        await Engine.DisposeAsync();
    }

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    public static string S(byte[] b) => Encoding.UTF8.GetString(b);

    /// <summary>Every key of every database with its type, value, expiry and metadata, sorted: two equal dumps are equal states.</summary>
    public string Dump()
    {
        var lines = new List<string>();
        for (int db = 0; db < Engine.Databases; db++)
        {
            foreach (var key in Engine.Keys(db, B("*")).Select(S).Order(StringComparer.Ordinal))
            {
                string value = Engine.TryGet(db, B(key), out var item) == ReadStatus.Found
                    ? $"str:{S(item.Value)}@{item.ExpiresAt}/{item.ClientFlags}/{item.ContentType}"
                    : Engine.SetMembers(db, B(key), out var members) == ReadStatus.Found
                        ? "set:" + string.Join(",", members.Select(S).Order(StringComparer.Ordinal)) + "@" + Engine.GetExpiresAt(db, B(key))
                        : "?";
                lines.Add($"{db}/{key}={value}");
            }
        }
        return string.Join("\n", lines);
    }
}

/// <summary>A <see cref="GroupCommitJournal"/> alone (no engine) over a fresh SQLite data directory, started at position 0.</summary>
internal sealed class StartedJournal : IDisposable
{
    private readonly IJournalBackend _backend;

    public StartedJournal(FsyncMode fsync, bool commitOnBatchThreads = false, Func<IJournalBackend, IJournalBackend>? wrap = null)
    {
        _backend = Dir.CreateBackend(fsync);
        if (wrap is not null) _backend = wrap(_backend);
        Journal = new GroupCommitJournal(_backend, fsync, new ListLogger()) { CommitOnBatchThreads = commitOnBatchThreads };
        Journal.Start(0);
    }

    public DataDir Dir { get; } = new();

    public GroupCommitJournal Journal { get; }

    /// <summary>A write to record: key <c>k{i}</c>.</summary>
    public static Purple.Core.Commands.SetCommand Write(int i) => new(0, Encoding.UTF8.GetBytes("k" + i), "v"u8.ToArray());

    public void Dispose()
    {
        Journal.Dispose();
        _backend.Dispose();
        Dir.Dispose();
    }
}
