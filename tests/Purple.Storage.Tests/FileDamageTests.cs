using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Storage.Tests.Node;

namespace Purple.Storage.Tests;

/// <summary>
/// Bytes of the files themselves damaged, as a failing disk would: recovery either serves a prefix of what was written
/// (never a state that did not exist) or refuses to start with a message — never crashes, never invents data.
/// </summary>
public class FileDamageTests
{
    private const int Keys = 40;

    private static async Task<string> WriteSequentially(DataDir dir, int snapshotAfter = -1)
    {
        await using var node = dir.Open(FsyncMode.Always);
        for (int i = 0; i < Keys; i++)
        {
            node.Engine.Execute(new SetCommand(0, B("k" + i), B("value-" + i)));
            await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned);
            if (i == snapshotAfter) Assert.True(node.Storage.Snapshot("test").Ok);
        }
        return dir.Path;
    }

    /// <summary>The keys k0..k(M-1), each with its own value, and nothing else; returns M.</summary>
    private static int AssertPrefix(Node node)
    {
        long count = node.Engine.DbSize(0);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(ReadStatus.Found, node.Engine.TryGet(0, B("k" + i), out var item));
            Assert.Equal("value-" + i, S(item.Value));
        }
        Assert.Equal(count, node.Engine.GetStats().Keys);
        return (int)count;
    }

    private static void CopyDirectory(string from, string to)
    {
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private static async Task<int?> RecoverOrRefuse(DataDir dir)
    {
        Node? node = null;
        try
        {
            node = dir.Open();
            return AssertPrefix(node);
        }
        catch (Exception ex) when (ex is JournalCorruptException or RecoveryException)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            return null;
        }
        finally
        {
            if (node is not null) await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_byte_flipped_anywhere_in_the_journal_file_leaves_a_prefix_or_a_refusal()
    {
        using var pristine = new DataDir();
        await WriteSequentially(pristine);
        byte[] journal = await File.ReadAllBytesAsync(pristine.JournalFile);
        using var dir = new DataDir();
        int prefixes = 0, refusals = 0, whole = 0;
        int step = Math.Max(1, journal.Length / 200);
        for (int at = 0; at < journal.Length; at += step)
        {
            CopyDirectory(pristine.Path, dir.Path);
            var damaged = (byte[])journal.Clone();
            damaged[at] ^= 0x5A;
            await File.WriteAllBytesAsync(dir.JournalFile, damaged);
            switch (await RecoverOrRefuse(dir))
            {
                case null: refusals++; break;
                case Keys: whole++; break;
                default: prefixes++; break;
            }
        }
        // Most of a small file is page structure or free space; the sweep must still have hit stored records.
        Assert.True(prefixes > 0, $"prefixes {prefixes}, refusals {refusals}, whole {whole}");
    }

    /// <summary>
    /// Many scattered bit flips (a failing disk, not one bad byte) may break SQLite's own b-tree pages where recovery's
    /// range read never looks; the node must still come up on a prefix, and must then be able to journal and recover
    /// again, rather than fail on the first write into the damaged file (found by tests/interop/durable_crash.py).
    /// </summary>
    [Fact]
    public async Task Scattered_bit_flips_in_the_journal_leave_a_prefix_that_keeps_journaling()
    {
        using var pristine = new DataDir();
        await WriteSequentially(pristine);
        byte[] journal = await File.ReadAllBytesAsync(pristine.JournalFile);
        using var dir = new DataDir();
        int recovered = 0, refusals = 0, movedAside = 0;
        for (int seed = 0; seed < 60; seed++)
        {
            var random = new Random(seed);
            CopyDirectory(pristine.Path, dir.Path);
            var damaged = (byte[])journal.Clone();
            for (int flip = 0; flip < 64; flip++)
            {
                int bit = random.Next(damaged.Length * 8);
                damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            }
            await File.WriteAllBytesAsync(dir.JournalFile, damaged);
            int prefix;
            Node? node = null;
            try
            {
                node = dir.Open(FsyncMode.Always);
                prefix = AssertPrefix(node);
                if (node.Report!.JournalMovedTo is not null) movedAside++;
                // The next key of the sequence, so the recovered state after it is still a prefix, one longer.
                node.Engine.Execute(new SetCommand(0, B("k" + prefix), B("value-" + prefix)));
                await node.Storage.Journal.WaitAsync(node.Storage.Journal.LastAssigned);
            }
            catch (Exception ex) when (ex is JournalCorruptException or RecoveryException)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                refusals++;
                continue;
            }
            finally
            {
                if (node is not null) await node.DisposeAsync();
            }
            await using var again = dir.Open();
            Assert.Equal(prefix + 1, AssertPrefix(again));
            recovered++;
        }
        Assert.True(recovered > 0 && movedAside > 0, $"recovered {recovered} (journal moved aside {movedAside}), refused {refusals}");
    }

    [Fact]
    public async Task The_journal_file_cut_at_any_page_leaves_a_prefix_or_a_refusal()
    {
        using var pristine = new DataDir();
        await WriteSequentially(pristine);
        byte[] journal = await File.ReadAllBytesAsync(pristine.JournalFile);
        using var dir = new DataDir();
        for (int length = 0; length < journal.Length; length += 512)
        {
            CopyDirectory(pristine.Path, dir.Path);
            await File.WriteAllBytesAsync(dir.JournalFile, journal.AsSpan(0, length).ToArray());
            await RecoverOrRefuse(dir);
        }
    }

    [Fact]
    public async Task A_byte_flipped_anywhere_in_the_only_snapshot_never_yields_invented_data()
    {
        using var pristine = new DataDir();
        await WriteSequentially(pristine, snapshotAfter: 25);
        string snapshot = Assert.Single(pristine.SnapshotFiles());
        byte[] bytes = await File.ReadAllBytesAsync(snapshot);
        using var dir = new DataDir();
        int complete = 0;
        int step = Math.Max(1, bytes.Length / 150);
        for (int at = 0; at < bytes.Length; at += step)
        {
            CopyDirectory(pristine.Path, dir.Path);
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x5A;
            await File.WriteAllBytesAsync(Path.Combine(dir.Path, Path.GetFileName(snapshot)), damaged);
            // The journal still holds every record (one snapshot: nothing compacted), so a rejected snapshot loses nothing.
            if (await RecoverOrRefuse(dir) == Keys) complete++;
        }
        Assert.True(complete > 0);
    }
}
