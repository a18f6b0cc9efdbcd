using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class ConcurrencyTests
{
    private static void RunAll(params Action[] bodies)
    {
        var threads = bodies.Select(b => new Thread(() => b())).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void MSet_across_shards_is_never_seen_half_applied()
    {
        var e = Engine(shards: 16);
        byte[] a = B("a"), b = B("b{other}");
        Assert.NotEqual(Purple.Core.KeyHash.Hash64(a) & 15, Purple.Core.KeyHash.Hash64(b) & 15);
        e.Execute(new MSetCommand(0, [a, b], [B("0"), B("0")]));
        int torn = 0;
        var done = new CancellationTokenSource();
        Action writer(int id) => () =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                var v = B($"{id}:{i}");
                e.Execute(new MSetCommand(0, [a, b], [v, v]));
            }
        };
        Action reader = () =>
        {
            while (!done.IsCancelled())
            {
                var values = e.GetMany(0, [b, a]);
                if (!values[0]!.AsSpan().SequenceEqual(values[1])) Interlocked.Increment(ref torn);
            }
        };
        var readers = new[] { new Thread(() => reader()), new Thread(() => reader()) };
        foreach (var r in readers) r.Start();
        RunAll(writer(1), writer(2));
        done.Cancel();
        foreach (var r in readers) r.Join();
        Assert.Equal(0, torn);
    }

    [Fact]
    public void Rename_back_and_forth_always_leaves_exactly_one_key()
    {
        var e = Engine(shards: 16);
        byte[] x = B("x"), y = B("y-key");
        e.Set("x", "payload");
        int wrong = 0;
        var done = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            while (!done.IsCancelled())
            {
                if (e.Exists(0, [x, y]) != 1) Interlocked.Increment(ref wrong);
            }
        });
        reader.Start();
        RunAll(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                // Either direction may find its source gone because the other thread moved it first.
                e.Execute(new RenameCommand(0, x, y));
                e.Execute(new RenameCommand(0, y, x));
            }
        }, () =>
        {
            for (int i = 0; i < 20_000; i++) e.Execute(new RenameCommand(0, y, x));
        });
        done.Cancel();
        reader.Join();
        Assert.Equal(0, wrong);
        Assert.Equal(["payload"], e.GetMany(0, [x, y]).Where(v => v is not null).Select(S));
    }

    [Fact]
    public void Concurrent_increments_and_sadds_are_exact()
    {
        var e = Engine(shards: 4);
        const int Threads = 8, PerThread = 5_000;
        RunAll([.. Enumerable.Range(0, Threads).Select(t => (Action)(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                e.Execute(new IncrByCommand(0, B("counter"), 1));
                e.Execute(new SAddCommand(0, B("set"), [B($"{t}:{i}"), B("shared")]));
            }
        }))]);
        Assert.Equal((Threads * PerThread).ToString(), e.Get("counter"));
        Assert.Equal(ReadStatus.Found, e.SetCardinality(0, B("set"), out long count));
        Assert.Equal(Threads * PerThread + 1, count);
    }
}

internal static class CancellationExtensions
{
    public static bool IsCancelled(this CancellationTokenSource source) => source.IsCancellationRequested;
}
