using System.CommandLine;
using System.CommandLine.Parsing;
using Purple.Cmd.Common;
using Purple.Cmd.Data;
using Spectre.Console;

namespace Purple.Cmd.Bench;

/// <summary>
/// purple bench: a load run against a node's RESP port, like redis-benchmark (same option letters, same command
/// shapes), with its own pipelined raw-socket client. Progress is drawn live on stderr when stderr is a terminal;
/// the results table (or JSON) goes to stdout.
/// </summary>
internal static class BenchCommand
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static Command Create(CliConsole console)
    {
        var host = new Option<string>("--host") { Description = "The node's RESP address", HelpName = "HOST", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "The node's RESP port", HelpName = "PORT", DefaultValueFactory = _ => 6379 };
        var clients = Positive(new Option<int>("--clients", "-c") { Description = "Parallel connections", HelpName = "N", DefaultValueFactory = _ => 50 });
        var requests = Positive(new Option<long>("--requests", "-n") { Description = "Requests per test", HelpName = "N", DefaultValueFactory = _ => 100_000 });
        var duration = new Option<TimeSpan?>("--duration")
        {
            Description = "Run each test for this long instead of -n requests (10s, 1m)",
            HelpName = "DURATION",
            CustomParser = r => Durations.ParsePositive(r),
        };
        var pipeline = Positive(new Option<int>("--pipeline", "-P") { Description = "Requests written at once per connection", HelpName = "N", DefaultValueFactory = _ => 1 });
        var dataSize = new Option<int>("--data-size", "-d") { Description = "Bytes per SET/MSET value", HelpName = "BYTES", DefaultValueFactory = _ => 64 };
        dataSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 64 << 20) r.AddError("--data-size must be between 0 and 67108864.");
        });
        var keyspace = new Option<long>("--keyspace", "-r")
        {
            Description = "Random keys among this many (key:000000012345); 0: one key per test, as redis-benchmark without -r",
            HelpName = "N",
            DefaultValueFactory = _ => 0,
        };
        keyspace.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() is < 0 or >= 1_000_000_000_000) r.AddError("--keyspace must be between 0 and 999999999999.");
        });
        var tests = new Option<string[]>("--tests", "-t")
        {
            Description = $"Comma-separated tests: {string.Join(",", BenchOperation.Names)}",
            HelpName = "LIST",
            DefaultValueFactory = _ => BenchOperation.Defaults,
            CustomParser = ParseTests,
        };
        var db = new Option<int>("--db") { Description = "Database to SELECT on every connection", HelpName = "N", DefaultValueFactory = _ => 0 };
        var timeout = DataOptions.TimeoutOption("Connect timeout, and how long the run may go without a reply before it fails");
        var output = DataOptions.OutputOption();

        var bench = new Command("bench", "Load a node's RESP port and report throughput and latency per test (like redis-benchmark)")
        {
            host, port, clients, requests, duration, pipeline, dataSize, keyspace, tests, db, timeout, output,
        };
        // Only the password: bench speaks plain RESP (TLS on a bench would measure the cipher, not the node).
        var password = new Credentials(console).Password;
        bench.Add(password);
        bench.Validators.Add(r =>
        {
            if (r.GetResult(duration) is { Implicit: false } && r.GetResult(requests) is { Implicit: false }) r.AddError("Give -n or --duration, not both.");
        });
        bench.SetAction(async (parse, cancellation) =>
        {
            var settings = new BenchSettings(parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(clients), parse.GetValue(requests),
                parse.GetValue(duration), parse.GetValue(pipeline), parse.GetValue(dataSize), parse.GetValue(keyspace), parse.GetValue(tests)!,
                parse.GetValue(db), parse.GetValue(timeout), parse.GetValue(password));
            return await RunAsync(console, settings, parse.GetValue(output), cancellation).ConfigureAwait(false);
        });
        return bench;
    }

    private static async Task<int> RunAsync(CliConsole console, BenchSettings settings, OutputFormat output, CancellationToken cancellation)
    {
        // The continuation driver (where there is no epoll) runs socket continuations on the I/O thread instead of a
        // thread-pool hop per reply, as purple-node does (docs/cli.md): read before the process's first socket, which in
        // the CLI is this run's. The event loop makes no asynchronous socket call, so it has no use for it.
        if (BenchRunner.DefaultDriver == BenchDriver.Portable && Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
        var operations = settings.Tests.Select(t => BenchOperation.Create(t, settings.DataSize)).ToList();
        var results = new List<BenchResult>();
        try
        {
            if (console.ErrorIsTerminal) await RunWithProgressAsync(console, settings, operations, results, cancellation).ConfigureAwait(false);
            else foreach (var op in operations) results.Add(await BenchRunner.RunAsync(settings, op, null, cancellation).ConfigureAwait(false));
        }
        catch (BenchFailure failure)
        {
            await console.Error.WriteLineAsync($"purple bench: {failure.Message}").ConfigureAwait(false);
            return failure.ExitCode;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("purple bench: interrupted").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        if (output == OutputFormat.Json) BenchReport.WriteJson(console, settings, results);
        else BenchReport.WriteTable(console, settings, results);
        // The run finished, so its report is printed; wrong replies make it a failure all the same.
        long errors = results.Sum(r => r.Errors);
        if (errors == 0) return ExitCodes.Ok;
        var first = results.First(r => r.Errors > 0);
        await console.Error.WriteLineAsync($"purple bench: {errors} of {results.Sum(r => r.Requests)} replies were errors (first, in {first.Test}: {first.FirstError})")
            .ConfigureAwait(false);
        return ExitCodes.Refused;
    }

    private static async Task RunWithProgressAsync(CliConsole console, BenchSettings settings, List<BenchOperation> operations, List<BenchResult> results,
        CancellationToken cancellation)
    {
        var progress = Screens.Stderr(console).Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn());
        await progress.StartAsync(async context =>
        {
            var bars = operations.Select(op => context.AddTask(Label(op.Name, null), autoStart: false, maxValue: 100)).ToList();
            for (int i = 0; i < operations.Count; i++)
            {
                var bar = bars[i];
                string name = operations[i].Name;
                bar.StartTask();
                results.Add(await BenchRunner.RunAsync(settings, operations[i], p =>
                {
                    bar.Value = p.Fraction * 100;
                    bar.Description = Label(name, p.OpsPerSecond);
                }, cancellation).ConfigureAwait(false));
                bar.StopTask();
            }
        }).ConfigureAwait(false);
    }

    private static string Label(string test, double? opsPerSecond) =>
        $"{test.ToUpperInvariant(),-5} {(opsPerSecond is { } ops ? ops.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " ops/s" : ""),16}";

    private static string[] ParseTests(ArgumentResult result)
    {
        var names = result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(n => n.ToLowerInvariant()).Distinct().ToArray();
        foreach (var unknown in names.Where(n => !BenchOperation.Names.Contains(n)))
        {
            result.AddError($"unknown test '{unknown}'; choose among {string.Join(",", BenchOperation.Names)}.");
        }
        if (names.Length == 0) result.AddError("--tests names no test.");
        return names;
    }

    private static Option<T> Positive<T>(Option<T> option) where T : struct, System.Numerics.INumber<T>
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<T>() <= T.Zero) r.AddError($"{option.Name} must be 1 or more.");
        });
        return option;
    }
}
