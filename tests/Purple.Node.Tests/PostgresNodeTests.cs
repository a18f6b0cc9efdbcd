using Npgsql;
using Purple.Node.Configuration;
using Purple.Node.Hosting;

namespace Purple.Node.Tests;

/// <summary>
/// --storage postgres through the node (docs/storage.md, "PostgreSQL"): what RESP and memcached clients wrote is there
/// after a restart, INFO shows where without the password, one schema serves one node, and a server that cannot be
/// reached stops the start with exit code 1. Each test uses a fresh schema of the server PURPLE_TEST_POSTGRES names
/// (./test.sh starts one); without it the tests fail, never skip.
/// </summary>
public sealed class PostgresNodeTests : IDisposable
{
    private const string Variable = "PURPLE_TEST_POSTGRES";
    private readonly string _schema = "n_" + Guid.NewGuid().ToString("N");

    private static string ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : throw new InvalidOperationException(
        $"{Variable} is not set, so the --storage postgres node tests cannot run. ./test.sh starts a throwaway PostgreSQL (tests/tools/postgres.sh) " +
        "and sets it; by hand: tests/tools/postgres.sh start /tmp/purple-pg && eval \"$(tests/tools/postgres.sh env /tmp/purple-pg)\"");

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } connectionString) return;
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
        drop.ExecuteNonQuery();
    }

    private NodeSettings Durable(Purple.Storage.FsyncMode fsync = Purple.Storage.FsyncMode.Always) =>
        NodeFixture.Settings() with
        {
            Storage = new StorageSettings(Path.GetTempPath(), fsync, 64L << 20) { Postgres = new PostgresSettings(ConnectionString, _schema) },
        };

    [Fact]
    public async Task Writes_over_resp_and_memcached_survive_a_restart_from_snapshot_and_journal()
    {
        var host = await NodeFixture.StartAsync(Durable());
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            Assert.Equal("+OK", (await resp.CommandAsync("SET", "r", "resp-value", "EX", "1000")).ToString());
            Assert.Equal(":2", (await resp.CommandAsync("SADD", "s", "a", "b")).ToString());
            Assert.Equal("+OK", (await resp.CommandAsync("SAVE")).ToString());
            // After the snapshot: these come back from the journal tail.
            Assert.Equal(":3", (await resp.CommandAsync("INCRBY", "n", "3")).ToString());
            Assert.Equal(":1", (await resp.CommandAsync("SREM", "s", "a")).ToString());
        }
        using (var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(host.MemcachedEndPoint!))
        {
            Assert.Equal("STORED", await mc.CallLineAsync("set m 77 0 2\r\nmc\r\n"));
        }
        await host.StopAsync();
        await host.DisposeAsync();

        var again = await NodeFixture.StartAsync(Durable());
        try
        {
            await using var resp = await RespTestClient.ConnectAsync(again.RespEndPoint!);
            Assert.Equal("\"resp-value\"", (await resp.CommandAsync("GET", "r")).ToString());
            long ttl = long.Parse((await resp.CommandAsync("TTL", "r")).ToString().TrimStart(':'), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(ttl, 990, 1000);
            Assert.Equal("\"3\"", (await resp.CommandAsync("GET", "n")).ToString());
            Assert.Equal(":1", (await resp.CommandAsync("SCARD", "s")).ToString());
            using var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(again.MemcachedEndPoint!);
            Assert.Equal("VALUE m 77 2\r\nmc\r\nEND\r\n", await mc.CallUntilAsync("get m\r\n", "END\r\n"));
        }
        finally
        {
            await again.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_acknowledged_write_is_in_the_journal_before_its_reply_and_the_journal_alone_brings_it_back()
    {
        var host = await NodeFixture.StartAsync(Durable());
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            for (int i = 0; i < 50; i++) Assert.Equal("+OK", (await resp.CommandAsync("SET", "k" + i, "v" + i)).ToString());
            // --fsync always: each reply left only after its commit.
            Assert.Equal(50L, Scalar($"SELECT coalesce(max(last_seq), 0) FROM {_schema}.journal"));
            Assert.Equal(0L, Scalar($"SELECT count(*) FROM {_schema}.snapshots"));
        }
        await host.StopAsync();
        await host.DisposeAsync();
        // What a SIGKILL would have left: no shutdown snapshot (one snapshot compacts nothing, so the journal is whole).
        Assert.Equal(1L, Scalar($"WITH d AS (DELETE FROM {_schema}.snapshots RETURNING 1) SELECT count(*) FROM d"));
        var again = await NodeFixture.StartAsync(Durable());
        try
        {
            await using var resp = await RespTestClient.ConnectAsync(again.RespEndPoint!);
            Assert.Equal(":50", (await resp.CommandAsync("DBSIZE")).ToString());
            Assert.Equal("\"v49\"", (await resp.CommandAsync("GET", "k49")).ToString());
            Assert.Contains("purple_recovery_records:50", (await resp.CommandAsync("INFO", "persistence")).ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await again.DisposeAsync();
        }
    }

    private static long Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sends <paramref name="request"/> on a new connection and returns everything received until the node closes it.</summary>
    private static async Task<string> UntilClosed(System.Net.IPEndPoint endPoint, string request)
    {
        using var tcp = new System.Net.Sockets.TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endPoint);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        var received = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0) received.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
        catch (IOException)
        {
            // Reset by the node: the same as closed, for what was received.
        }
        return received.ToString();
    }

    [Fact]
    public async Task While_postgres_refuses_journal_writes_no_reply_claims_one_and_writes_resume_after()
    {
        await using var host = await NodeFixture.StartAsync(Durable());
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            Assert.Equal("+OK", (await resp.CommandAsync("SET", "before", "1")).ToString());
        }
        // Every INSERT now fails (the table is gone), on a connection that stays up: the journal retries each second.
        Scalar($"ALTER TABLE {_schema}.journal RENAME TO journal_away; SELECT 0");
        try
        {
            // Under --fsync always each reply waits for its commit, which fails: the connection closes with no reply
            // (before the fix, the buffered "+OK" went out as the connection closed).
            Assert.Equal("", await UntilClosed(host.RespEndPoint!, "SET during 1\r\n"));
            Assert.Equal("", await UntilClosed(host.RespEndPoint!, "SET during2 1\r\nPING\r\n"));
            Assert.Equal("", await UntilClosed(host.MemcachedEndPoint!, "set mc 0 0 1\r\nx\r\n"));
            // (Every reply waits on all writes recorded so far, so INFO is held too; ask the journal itself.)
            Assert.StartsWith("journal write failed", host.Storage!.Storage.Journal.Fault, StringComparison.Ordinal);
        }
        finally
        {
            Scalar($"ALTER TABLE {_schema}.journal_away RENAME TO journal; SELECT 0");
        }
        // The journal's next retry (within a second) writes what it was holding and clears the fault.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (host.Storage!.Storage.Journal.Fault is not null && DateTime.UtcNow < deadline) await Task.Delay(20);
        await using (var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!))
        {
            Assert.Equal("+OK", (await resp.CommandAsync("SET", "after", "1")).ToString());
            Assert.Contains("aof_last_write_status:ok", (await resp.CommandAsync("INFO", "persistence")).ToString(), StringComparison.Ordinal);
        }
        // before, during, during2, mc and after: the writes left unanswered were applied and are journaled now.
        Assert.Equal(5L, Scalar($"SELECT max(last_seq) FROM {_schema}.journal"));
    }

    [Fact]
    public async Task Info_persistence_names_host_database_and_schema_never_the_password()
    {
        await using var host = await NodeFixture.StartAsync(Durable(Purple.Storage.FsyncMode.EverySecond));
        await using var resp = await RespTestClient.ConnectAsync(host.RespEndPoint!);
        await resp.CommandAsync("SET", "k", "v");
        string info = (await resp.CommandAsync("INFO", "persistence")).ToString();
        var settings = new NpgsqlConnectionStringBuilder(ConnectionString);
        Assert.Contains("purple_storage:postgres", info, StringComparison.Ordinal);
        Assert.Contains($"purple_data_dir:{settings.Host}:{settings.Port}/{settings.Database} (schema {_schema})", info, StringComparison.Ordinal);
        Assert.Contains("purple_fsync:everysec", info, StringComparison.Ordinal);
        Assert.Contains("aof_last_write_status:ok", info, StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(settings.Password)) Assert.DoesNotContain(settings.Password, info, StringComparison.Ordinal);
        Assert.Equal("+OK", (await resp.CommandAsync("SAVE")).ToString());
        Assert.Contains("rdb_changes_since_last_save:0", (await resp.CommandAsync("INFO", "persistence")).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_node_on_the_same_schema_is_refused_with_what_to_do()
    {
        await using var host = await NodeFixture.StartAsync(Durable());
        var error = Assert.Throws<Purple.Storage.RecoveryException>(() => PurpleHost.Create(Durable(), logging => { }));
        Assert.Contains($"schema {_schema}", error.Message, StringComparison.Ordinal);
        Assert.Contains("is in use by another Purple node", error.Message, StringComparison.Ordinal);
        Assert.Contains("--postgres-schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_exits_1()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        squatter.Stop();
        var run = Program.Main(["--storage", "postgres", "--postgres", $"Host=127.0.0.1;Port={port};Username=purple;Password=x;Database=purple;Timeout=5",
            "--resp-port", "0", "--http-port", "0", "--memcached-port", "0", "--grpc-port", "0", "--capacity", "16MB"]);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.Same(run, finished);
        Assert.Equal(Program.ExitStartupFailure, await run);
    }
}
