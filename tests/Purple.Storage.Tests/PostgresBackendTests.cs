using Npgsql;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Storage.Tests.Node;

namespace Purple.Storage.Tests;

/// <summary>
/// What only the PostgreSQL backend has (docs/storage.md, "PostgreSQL"): one node per schema (advisory lock), clear
/// startup failures that never show the password, connections lost under a running node, batches PostgreSQL lost in a
/// crash sent again, and an unreadable journal moved aside. The recovery contract itself is <see cref="PostgresRecoveryTests"/>.
/// A server restarted under a writing node is tests/interop/postgres_restart.sh (a restart would disturb these tests).
/// </summary>
public sealed class PostgresBackendTests
{
    private static byte[] Batch(long first, long last, out uint crc)
    {
        var body = new JournalBuffer();
        for (long i = first; i <= last; i++) JournalBatch.WriteRecord(body, 1000 + i, new SetCommand(0, B("k" + i), B("v" + i)));
        crc = JournalBatch.Checksum(first, last, body.WrittenSpan);
        return body.WrittenSpan.ToArray();
    }

    private static void Append(IJournalBackend backend, long first, long last)
    {
        byte[] body = Batch(first, last, out uint crc);
        backend.Append(first, last, crc, body);
    }

    [Fact]
    public void A_second_backend_on_the_same_schema_is_refused_until_the_first_closes()
    {
        using var schema = new PostgresSchema();
        var first = schema.CreateBackend(FsyncMode.Always);
        var error = Assert.Throws<RecoveryException>(() => schema.CreateBackend(FsyncMode.Always));
        Assert.Contains($"schema {schema.Name}", error.Message, StringComparison.Ordinal);
        Assert.Contains("is in use by another Purple node", error.Message, StringComparison.Ordinal);
        Assert.Contains("--postgres-schema", error.Message, StringComparison.Ordinal);
        first.Dispose();
        using var second = schema.CreateBackend(FsyncMode.Always);
        Assert.Empty(second.ReadBatches());
    }

    [Fact]
    public void Another_schema_in_the_same_database_is_independent()
    {
        using var one = new PostgresSchema();
        using var two = new PostgresSchema();
        using var a = one.CreateBackend(FsyncMode.Always);
        using var b = two.CreateBackend(FsyncMode.Always);
        Append(a, 1, 3);
        Assert.Single(a.ReadBatches());
        Assert.Empty(b.ReadBatches());
    }

    [Fact]
    public void Location_names_host_port_database_and_schema_never_the_password()
    {
        using var schema = new PostgresSchema();
        var settings = new NpgsqlConnectionStringBuilder(schema.ConnectionString);
        using var backend = schema.CreateBackend(FsyncMode.Always);
        Assert.Equal($"{settings.Host}:{settings.Port}/{settings.Database} (schema {schema.Name})", backend.Location);
        Assert.DoesNotContain(settings.Password!, backend.Location, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_server_refuses_to_start_naming_host_and_database_but_not_the_password()
    {
        int port = FreePort();
        const string password = "s3cret-never-shown";
        var error = Assert.Throws<RecoveryException>(() =>
            new PostgresJournalBackend($"Host=127.0.0.1;Port={port};Username=purple;Password={password};Database=purpledb;Timeout=5", "purple", FsyncMode.Always));
        Assert.Contains($"127.0.0.1:{port}/purpledb", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be used", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_password_refuses_to_start_without_showing_it()
    {
        using var schema = new PostgresSchema();
        const string password = "wrong-password-never-shown";
        var settings = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Password = password };
        var error = Assert.Throws<RecoveryException>(() => new PostgresJournalBackend(settings.ConnectionString, schema.Name, FsyncMode.Always));
        Assert.Contains("password authentication failed", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{settings.Host}:{settings.Port}/{settings.Database}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void A_batch_already_stored_with_the_same_range_and_checksum_is_success_and_a_different_one_is_an_error()
    {
        using var schema = new PostgresSchema();
        using var backend = schema.CreateBackend(FsyncMode.Always);
        Append(backend, 1, 4);
        // The commit whose acknowledgement a broken connection lost, sent again.
        Append(backend, 1, 4);
        var other = Batch(1, 5, out uint crc);
        var error = Assert.Throws<InvalidOperationException>(() => backend.Append(1, 5, crc, other));
        Assert.Contains("different batch at position 1", error.Message, StringComparison.Ordinal);
        Assert.Equal([1L], schema.BatchFirsts());
    }

    [Fact]
    public async Task A_journal_connection_ended_by_the_server_is_reopened_and_no_write_is_lost()
    {
        using var schema = new PostgresSchema();
        string before;
        await using (var node = schema.Open(FsyncMode.Always))
        {
            for (int i = 0; i < 30; i++)
            {
                if (i % 10 == 5) schema.TerminateJournalConnection();
                node.Engine.Execute(new SetCommand(0, B("k" + i), B("v" + i)));
                await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            }
            // The reopened session holds the schema's lock again.
            Assert.NotEqual(0, schema.LockHolderPid());
            before = node.Dump();
        }
        await using var again = schema.Open();
        Assert.Equal(before, again.Dump());
        Assert.Equal(30, again.Engine.DbSize(0));
    }

    [Fact]
    public async Task Batches_postgres_lost_in_a_crash_under_everysec_are_sent_again_on_the_next_connection()
    {
        using var schema = new PostgresSchema();
        string before;
        await using (var node = schema.Open(FsyncMode.EverySecond))
        {
            // Acknowledged at once, written to PostgreSQL with synchronous_commit off, not yet behind a flush barrier.
            for (int i = 0; i < 10; i++) node.Engine.Execute(new SetCommand(0, B("k" + i), B("v" + i)));
            await node.Storage.Journal.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            // What a PostgreSQL crash would do to commits whose WAL was not flushed yet, then the session it kills.
            // (Racing the once-a-second barrier: if it ran first, nothing is kept and nothing is missing either.)
            long synced = node.Storage.Journal.LastSynced;
            schema.Execute($"DELETE FROM {schema.Name}.journal WHERE first_seq > {synced}");
            schema.TerminateJournalConnection();
            node.Engine.Execute(new SetCommand(0, B("after"), B("x")));
            await node.Storage.Journal.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            before = node.Dump();
        }
        await using var again = schema.Open();
        Assert.Equal(before, again.Dump());
        Assert.Equal(11, again.Engine.DbSize(0));
    }

    [Fact]
    public void Once_the_flush_barrier_ran_batches_are_no_longer_sent_again()
    {
        using var schema = new PostgresSchema();
        using var backend = schema.CreateBackend(FsyncMode.EverySecond);
        Append(backend, 1, 2);
        backend.Sync();
        Append(backend, 3, 4);
        schema.Execute($"DELETE FROM {schema.Name}.journal");
        schema.TerminateJournalConnection();
        Append(backend, 5, 6);
        // 1..2 was behind the barrier (its loss here is the test's doing, not a crash's); 3..4 was kept and came back.
        Assert.Equal([3L, 5L], schema.BatchFirsts());
    }

    [Fact]
    public void A_schema_taken_by_another_node_while_the_connection_was_lost_is_not_written()
    {
        using var schema = new PostgresSchema();
        using var first = schema.CreateBackend(FsyncMode.Always);
        Append(first, 1, 1);
        schema.TerminateJournalConnection();
        using var second = schema.CreateBackend(FsyncMode.Always);
        var error = Assert.Throws<RecoveryException>(() => Append(first, 2, 2));
        Assert.Contains("was taken by another Purple node", error.Message, StringComparison.Ordinal);
        Assert.Equal([1L], schema.BatchFirsts());
    }

    [Fact]
    public void An_unreadable_journal_is_renamed_aside_and_a_fresh_one_started()
    {
        using var schema = new PostgresSchema();
        using var backend = schema.CreateBackend(FsyncMode.Always);
        Append(backend, 1, 3);
        string aside = backend.ResetCorruptJournal();
        Assert.Contains($"{schema.Name}.journal_corrupt_", aside, StringComparison.Ordinal);
        Assert.Empty(backend.ReadBatches());
        Append(backend, 4, 4);
        // Twice within a second gets a name of its own.
        string again = backend.ResetCorruptJournal();
        Assert.NotEqual(aside, again);
        Assert.Equal(2, schema.Longs($"SELECT count(*) FROM pg_tables WHERE schemaname = '{schema.Name}' AND tablename LIKE 'journal_corrupt_%'").Single());
        Assert.Equal(1, schema.Longs($"SELECT count(*) FROM {aside.Split(' ')[0]}").Single());
    }

    [Fact]
    public async Task A_snapshot_appears_whole_and_replaces_one_at_the_same_position()
    {
        using var schema = new PostgresSchema();
        await using var node = schema.Open(FsyncMode.Always);
        for (int i = 0; i < 500; i++) node.Engine.Execute(new SetCommand(i % 3, B("k" + i), B("v" + i)));
        var first = node.Storage.Snapshot("test");
        Assert.True(first.Ok, first.Error);
        Assert.Equal(500, first.Keys);
        // Nothing written since: the same position again, stored once.
        var second = node.Storage.Snapshot("test");
        Assert.True(second.Ok, second.Error);
        Assert.Equal(first.Sequence, second.Sequence);
        Assert.Equal([first.Sequence], schema.SnapshotSequences());
        // 500 keys fit one chunk: one snapshot row and one chunk, not two of each.
        Assert.Equal(1, schema.Longs($"SELECT count(*) FROM {schema.Name}.snapshot_chunks").Single());
    }

    [Fact]
    public async Task A_snapshot_that_fails_midway_leaves_nothing_behind()
    {
        using var schema = new PostgresSchema();
        using var backend = schema.CreateBackend(FsyncMode.Always);
        static IEnumerable<StoredSnapshotChunk> Chunks()
        {
            for (int i = 0; i < 100; i++) yield return new StoredSnapshotChunk(B("chunk" + i), 1);
            throw new IOException("the engine went away");
        }
        Assert.Throws<IOException>(() => backend.WriteSnapshot(7, Chunks(), () => new SnapshotHeader(7, 0, 100, 0, 100)));
        Assert.Empty(backend.Snapshots());
        Assert.Equal(0, schema.Longs($"SELECT count(*) FROM {schema.Name}.snapshot_chunks").Single());
        await Task.CompletedTask;
    }
}
