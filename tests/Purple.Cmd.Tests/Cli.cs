using System.Text;
using Purple.Cmd;
using Purple.Cmd.Common;

namespace Purple.Cmd.Tests;

/// <summary>What one run of the CLI left: its exit code, stdout (bytes and text) and stderr.</summary>
public sealed record CliResult(int ExitCode, byte[] StdOutBytes, string StdErr)
{
    public string StdOut => Encoding.UTF8.GetString(StdOutBytes);

    public override string ToString() => $"exit {ExitCode}; stdout: {StdOut}; stderr: {StdErr}";
}

/// <summary>Runs `purple ARGS…` in process with its own stdin, stdout, stderr and environment, as a shell would.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(string[] args, byte[]? stdin = null, IReadOnlyDictionary<string, string>? environment = null,
        bool errorIsTerminal = false, CancellationToken cancellation = default)
    {
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var console = new CliConsole(new MemoryStream(stdin ?? []), stdout, stderr,
            name => environment is not null && environment.TryGetValue(name, out var v) ? v : null, errorIsTerminal: errorIsTerminal);
        // A CLI run that hangs fails its test instead of the whole run.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        int exit = await PurpleCli.RunAsync(args, console, timeout.Token);
        return new CliResult(exit, stdout.ToArray(), stderr.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null);
}
