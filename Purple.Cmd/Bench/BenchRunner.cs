using System.Diagnostics;
using System.Net.Sockets;
using Purple.Cmd.Common;

namespace Purple.Cmd.Bench;

/// <summary>
/// Runs one test: connects every client first (outside the timing, as redis-benchmark does), starts them all,
/// reports progress every 100 ms, and stops the run with a failure when a connection fails or no reply arrives
/// for --timeout (a node that stopped answering must not hang the benchmark).
/// </summary>
internal static class BenchRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    /// <summary>redis-benchmark's event loop where epoll exists (Linux), else socket continuations.</summary>
    public static BenchDriver DefaultDriver => Epoll.IsSupported ? BenchDriver.EventLoop : BenchDriver.Portable;

    public static async Task<BenchResult> RunAsync(BenchSettings settings, BenchOperation operation, Action<BenchProgress>? progress, CancellationToken cancellation,
        BenchDriver? driver = null)
    {
        var connections = await ConnectAsync(settings, cancellation).ConfigureAwait(false);
        try
        {
            var work = new BenchWork(settings.Pipeline, settings.Requests, settings.Duration);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            long started = Stopwatch.GetTimestamp();
            List<Task> clients = (driver ?? DefaultDriver) == BenchDriver.EventLoop
                ? [BenchEventLoop.RunAsync(connections, operation, work, settings.Pipeline, settings.Keyspace, stop.Token)]
                : connections.Select(c => Portable(c, operation, work, settings, stop.Token)).ToList();
            var all = Task.WhenAll(clients);
            long lastCompleted = -1, lastChange = started;
            while (!all.IsCompleted)
            {
                await Task.WhenAny(all, Task.Delay(Tick, cancellation)).ConfigureAwait(false);
                if (clients.FirstOrDefault(c => c.IsFaulted) is { } failed)
                {
                    // One client failed: stop the others, then report the first failure.
                    await StopAsync(stop, clients).ConfigureAwait(false);
                    throw Describe(failed.Exception!.InnerException!, settings);
                }
                long now = Stopwatch.GetTimestamp(), completed = work.Completed;
                if (completed != lastCompleted)
                {
                    lastCompleted = completed;
                    lastChange = now;
                }
                else if (Stopwatch.GetElapsedTime(lastChange, now) > settings.Timeout && !all.IsCompleted)
                {
                    await StopAsync(stop, clients).ConfigureAwait(false);
                    throw new BenchFailure(ExitCodes.Unavailable, $"no reply from {settings.Target} for {Durations.Format(settings.Timeout)} (--timeout) during {operation.Name}");
                }
                progress?.Invoke(Progress(work, started, now));
            }
            try
            {
                await all.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellation.IsCancellationRequested)
            {
                throw Describe(ex, settings);
            }
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var latency = new LatencyHistogram();
            foreach (var c in connections) latency.Add(c.Latency);
            progress?.Invoke(new BenchProgress(work.Completed, 1, work.Completed / seconds));
            return new BenchResult(operation.Name, latency.Count, connections.Sum(c => c.Errors), connections.Select(c => c.FirstError).FirstOrDefault(e => e is not null),
                seconds, latency);
        }
        finally
        {
            foreach (var c in connections) c.Dispose();
        }
    }

    private static Task Portable(BenchConnection connection, BenchOperation operation, BenchWork work, BenchSettings settings, CancellationToken cancellation)
    {
        connection.Prepare(operation, settings.Pipeline);
        return connection.RunAsync(operation, work, settings.Keyspace, cancellation);
    }

    /// <summary>Cancels every client and waits until none is still using its socket.</summary>
    private static async Task StopAsync(CancellationTokenSource stop, List<Task> clients)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(clients.Select(c => c.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default))).ConfigureAwait(false);
    }

    private static BenchProgress Progress(BenchWork work, long started, long now)
    {
        double elapsed = Stopwatch.GetElapsedTime(started, now).TotalSeconds;
        long completed = work.Completed;
        double fraction = work.Duration is { } d ? elapsed / d.TotalSeconds : (double)completed / work.Requests;
        return new BenchProgress(completed, Math.Clamp(fraction, 0, 1), elapsed > 0 ? completed / elapsed : 0);
    }

    /// <summary>Connects the clients one after another on a pool thread (blocking calls: see <see cref="BenchConnection.Connect"/>), within --timeout.</summary>
    private static async Task<List<BenchConnection>> ConnectAsync(BenchSettings settings, CancellationToken cancellation)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        abort.CancelAfter(settings.Timeout);
        long deadline = Stopwatch.GetTimestamp() + (long)(settings.Timeout.TotalSeconds * Stopwatch.Frequency);
        var connections = new List<BenchConnection>(settings.Clients);
        try
        {
            await Task.Run(() =>
            {
                for (int i = 0; i < settings.Clients; i++) connections.Add(BenchConnection.Connect(settings.EndPoint, settings.Db, settings.Password, deadline, abort.Token));
            }, CancellationToken.None).ConfigureAwait(false);
            return connections;
        }
        catch (Exception ex)
        {
            foreach (var c in connections) c.Dispose();
            cancellation.ThrowIfCancellationRequested();
            bool late = abort.IsCancellationRequested || Stopwatch.GetTimestamp() >= deadline || ex is SocketException { SocketErrorCode: SocketError.TimedOut };
            if (late && ex is not BenchFailure)
            {
                throw new BenchFailure(ExitCodes.Unavailable, $"cannot connect {settings.Clients} clients to {settings.Target} within {Durations.Format(settings.Timeout)} (--timeout)");
            }
            throw Describe(ex, settings);
        }
    }

    private static Exception Describe(Exception ex, BenchSettings settings) => ex switch
    {
        BenchFailure => ex,
        SocketException s => new BenchFailure(ExitCodes.Unavailable, $"{settings.Target}: {s.Message}"),
        IOException io => new BenchFailure(ExitCodes.Unavailable, $"{settings.Target}: {io.Message}"),
        _ => ex,
    };
}

/// <summary>How a test's connections are driven: <see cref="BenchEventLoop"/> (Linux) or <see cref="BenchConnection.RunAsync"/> (anywhere).</summary>
internal enum BenchDriver
{
    EventLoop,
    Portable,
}
