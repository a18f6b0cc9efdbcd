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

    public static async Task<BenchResult> RunAsync(BenchSettings settings, BenchOperation operation, Action<BenchProgress>? progress, CancellationToken cancellation)
    {
        var connections = await ConnectAsync(settings, cancellation).ConfigureAwait(false);
        try
        {
            var work = new BenchWork(settings.Pipeline, settings.Requests, settings.Duration);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            long started = Stopwatch.GetTimestamp();
            var clients = connections.Select(c => c.RunAsync(operation, work, settings.Pipeline, settings.Keyspace, stop.Token)).ToList();
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

    private static async Task<List<BenchConnection>> ConnectAsync(BenchSettings settings, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(settings.Timeout);
        var connecting = Enumerable.Range(0, settings.Clients).Select(_ => BenchConnection.ConnectAsync(settings.EndPoint, settings.Db, settings.Password, deadline.Token)).ToList();
        try
        {
            await Task.WhenAll(connecting).ConfigureAwait(false);
            return connecting.Select(t => t.Result).ToList();
        }
        catch (Exception ex)
        {
            foreach (var t in connecting.Where(t => t.IsCompletedSuccessfully)) t.Result.Dispose();
            if (ex is OperationCanceledException && cancellation.IsCancellationRequested) throw;
            if (ex is OperationCanceledException)
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
