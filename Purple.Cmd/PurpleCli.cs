using System.CommandLine;
using Purple.Cmd.Common;
using Purple.Cmd.Data;

namespace Purple.Cmd;

/// <summary>
/// The purple command line: builds the command tree for one run over a <see cref="CliConsole"/>, parses, reports
/// usage errors on stderr (exit 1, nothing on stdout) and runs the chosen command. Nothing here is static state,
/// so tests run many CLIs side by side in one process.
/// </summary>
public static class PurpleCli
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        if (args.Length > 0 && args[0] == ServeCommand.Name) return await ServeCommand.RunAsync(args[1..]).ConfigureAwait(false);

        var root = Create(console);
        // No response files: "@name" is a value a user may mean literally (a key, an item), never a file to expand.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await console.Error.WriteLineAsync($"purple: {error.Message}").ConfigureAwait(false);
            string path = string.Join(' ', parse.CommandResult.Command.Name == root.Name ? [] : CommandPath(parse.CommandResult));
            await console.Error.WriteLineAsync($"Run 'purple {(path.Length > 0 ? path + " " : "")}--help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        var invocation = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
            // Ctrl-C cancels the command's token; a command that has not returned 2 s later is abandoned (exit 130).
            ProcessTerminationTimeout = console.HandleSignals ? TimeSpan.FromSeconds(2) : null,
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("purple: interrupted").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    internal static RootCommand Create(CliConsole console) =>
        new("purple: run a Purple node, read and write its data over gRPC, summarise it and load it.")
        {
            ServeCommand.Create(),
            KvCommands.Create(console),
            CacheCommands.Create(console),
            CounterCommands.Create(console),
            SetCommands.Create(console),
            FlagCommands.Create(console),
            Info.InfoCommand.Create(console),
            Bench.BenchCommand.Create(console),
        };

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var r = result; r?.Parent is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult) names.Push(r.Command.Name);
        return names;
    }
}
