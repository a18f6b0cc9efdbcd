using System.Text;
using Microsoft.Extensions.Logging;
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

/// <summary>A temporary data directory and the engine + durable storage a node would build over it.</summary>
internal sealed class DataDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "purple-storage-" + Guid.NewGuid().ToString("N"));

    public DataDir() => Directory.CreateDirectory(Path);

    public Node Open(FsyncMode fsync = FsyncMode.EverySecond, ManualTime? time = null, int databases = 16, bool snapshotOnStop = false, bool recover = true)
    {
        var node = new Node(Path, fsync, time ?? new ManualTime(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), databases, snapshotOnStop);
        if (recover) node.RecoverAndStart();
        return node;
    }

    public IJournalBackend CreateBackend(FsyncMode fsync) => new SqliteJournalBackend(Path, fsync);

    public string JournalFile => System.IO.Path.Combine(Path, "journal.db");

    public string[] SnapshotFiles() => Directory.GetFiles(Path, "snapshot-*.db").Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
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

internal sealed class Node : IAsyncDisposable
{
    public Node(string dir, FsyncMode fsync, ManualTime time, int databases, bool snapshotOnStop)
        : this(new SqliteJournalBackend(dir, fsync), fsync, time, databases, snapshotOnStop)
    {
    }

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
