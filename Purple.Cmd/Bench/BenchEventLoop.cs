using System.Runtime.CompilerServices;

namespace Purple.Cmd.Bench;

/// <summary>
/// Drives every connection of a test from one thread on a level-triggered epoll set, as redis-benchmark's ae loop
/// does: a connection waits to be writable, writes its batch, waits to be readable, reads its replies, and once the
/// batch is answered waits to be writable again, so its next batch goes out on the next turn of the loop, after the
/// other connections' ready replies are read. Its events are re-registered the way ae does it, five epoll_ctl per
/// batch (see <see cref="Answered"/> and <see cref="Written"/>).
/// Why copy redis-benchmark this closely: on a machine where the client shares the cores with the node, a load
/// generator's own cost per request is part of the rate it reports, and purple bench must report what
/// redis-benchmark reports (docs/cli.md). Measured on one node, unpipelined: sending the next batch straight from
/// the reply's read (the portable driver, <see cref="BenchConnection.RunAsync"/>) read 1.0-1.4x redis-benchmark's
/// rate; this loop with two epoll_ctl per batch 1.0-1.26x; with ae's five 0.97-1.08x.
/// </summary>
internal static class BenchEventLoop
{
    // How often the loop looks at the cancellation token while nothing is ready.
    private const int WaitMs = 50;

    private enum Phase : byte { Writing, Reading, Finished }

    /// <summary>Runs the test on a thread of its own; the task ends when every connection has no more work, fails, or is cancelled.</summary>
    public static Task RunAsync(IReadOnlyList<BenchConnection> connections, BenchOperation operation, BenchWork work, int pipeline, long keyspace,
        CancellationToken cancellation)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(connections, operation, work, pipeline, keyspace, cancellation);
                if (cancellation.IsCancellationRequested) done.TrySetCanceled(cancellation);
                else done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "purple-bench-loop",
        };
        thread.Start();
        return done.Task;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(IReadOnlyList<BenchConnection> connections, BenchOperation operation, BenchWork work, int pipeline, long keyspace,
        CancellationToken cancellation)
    {
        using var epoll = new Epoll(connections.Count);
        var phases = new Phase[connections.Count];
        int active = 0;
        for (int i = 0; i < connections.Count; i++)
        {
            connections[i].Prepare(operation, pipeline);
            connections[i].MakeNonBlocking();
            if (connections[i].NextBatch(work, keyspace))
            {
                epoll.Register(connections[i].Descriptor, Epoll.Writable, i);
                active++;
            }
            else
            {
                phases[i] = Phase.Finished;
            }
        }
        while (active > 0 && !cancellation.IsCancellationRequested)
        {
            int ready = epoll.Wait(WaitMs);
            for (int e = 0; e < ready; e++)
            {
                var (events, i) = epoll[e];
                var connection = connections[i];
                switch (phases[i])
                {
                    case Phase.Writing when (events & (Epoll.Writable | Epoll.Error | Epoll.HangUp)) != 0:
                        if (connection.Write())
                        {
                            phases[i] = Phase.Reading;
                            Written(epoll, connection.Descriptor, i);
                        }
                        break;
                    case Phase.Reading when (events & (Epoll.Readable | Epoll.Error | Epoll.HangUp)) != 0:
                        if (!connection.Read(operation)) break;
                        connection.Complete(work);
                        if (connection.NextBatch(work, keyspace))
                        {
                            phases[i] = Phase.Writing;
                            Answered(epoll, connection.Descriptor, i);
                        }
                        else
                        {
                            phases[i] = Phase.Finished;
                            epoll.Unregister(connection.Descriptor);
                            active--;
                        }
                        break;
                }
            }
        }
    }

    /// <summary>
    /// redis-benchmark's resetClient: delete the write event (ae re-submits the remaining read mask), delete the read
    /// event (the descriptor leaves the set), create the write event.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Answered(Epoll epoll, int fd, int token)
    {
        epoll.Update(fd, Epoll.Readable, token);
        epoll.Unregister(fd);
        epoll.Register(fd, Epoll.Writable, token);
    }

    /// <summary>redis-benchmark's writeHandler once the batch is out: delete the write event, create the read event.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Written(Epoll epoll, int fd, int token)
    {
        epoll.Unregister(fd);
        epoll.Register(fd, Epoll.Readable, token);
    }
}
