using Microsoft.Data.Sqlite;

namespace Purple.Storage;

/// <summary>
/// Copies the journal's WAL into <c>journal.db</c> on a thread and a connection of its own, with PASSIVE checkpoints
/// (they never block the writer), so that the commit path rarely has to. A checkpoint made by the commit itself (SQLite's
/// automatic one) held that commit, and every reply waiting on it, for the page copies and the database fsync: ~5–8 ms,
/// several times a second under <c>--fsync always</c> (docs/performance.md, "Checkpoints off the commit path"). The
/// journal connection keeps a larger automatic checkpoint as the backstop: it is also what lets the WAL start again
/// from its beginning, which needs every frame copied when a write begins.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    private readonly string _path;
    private readonly TimeSpan _interval;
    private readonly string _synchronous;
    // No spinning before it blocks: with the default spin, each wait between checkpoints (40 a second under always) made
    // about a dozen sched_yield calls, ~470 a second, each handing the core to the writing threads and taking it back.
    private readonly ManualResetEventSlim _stop = new(false, spinCount: 0);
    private readonly Thread _thread;
    private int _appended;

    /// <param name="synchronous">The journal connection's <c>PRAGMA synchronous</c>: a checkpoint syncs as the journal does.</param>
    /// <param name="interval">Between checkpoints while appends come in.</param>
    public SqliteCheckpointer(string path, string synchronous, TimeSpan interval)
    {
        _path = path;
        _synchronous = synchronous;
        _interval = interval;
        _thread = new Thread(Run) { IsBackground = true, Name = "purple-checkpoint" };
        _thread.Start();
    }

    /// <summary>Called by the writer after each append: the next tick has something to copy.</summary>
    public void Appended() => Volatile.Write(ref _appended, 1);

    private void Run()
    {
        SqliteConnection? connection = null;
        try
        {
            while (!_stop.Wait(_interval))
            {
                if (Interlocked.Exchange(ref _appended, 0) == 0) continue;
                try
                {
                    connection ??= Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    command.ExecuteNonQuery();
                }
                catch (SqliteException)
                {
                    // Busy, or the journal being moved aside: the journal's own automatic checkpoint covers for it, and
                    // the next tick opens the file again.
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA synchronous={_synchronous};";
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }
}
