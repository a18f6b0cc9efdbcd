using System.Text;

namespace Purple.Cmd.Common;

/// <summary>
/// Where a command reads and writes. The process uses its real standard streams; tests pass memory
/// streams, so they drive the CLI in process exactly as a shell would and see stdout, stderr and the
/// exit code apart. Values go to <see cref="StdOut"/> as bytes (binary safe); text goes through
/// <see cref="Out"/>, a writer over the same stream.
/// </summary>
public sealed class CliConsole
{
    public CliConsole(Stream stdIn, Stream stdOut, TextWriter error, Func<string, string?> environment,
        bool outputIsTerminal = false, bool errorIsTerminal = false, bool handleSignals = false, int width = 120)
    {
        Width = width;
        StdIn = stdIn;
        StdOut = stdOut;
        Out = new StreamWriter(stdOut, new UTF8Encoding(false), 4096, leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
        Error = error;
        Environment = environment;
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        HandleSignals = handleSignals;
    }

    public Stream StdIn { get; }

    public Stream StdOut { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>Reads an environment variable (PURPLE_ENDPOINT); tests give their own.</summary>
    public Func<string, string?> Environment { get; }

    /// <summary>A person is reading stdout: a value read with `get` ends with a newline only then, so a redirect keeps its exact bytes.</summary>
    public bool OutputIsTerminal { get; }

    /// <summary>A person is watching stderr: `purple bench` draws its live progress there only then.</summary>
    public bool ErrorIsTerminal { get; }

    /// <summary>Ctrl-C cancels the running command (the process); tests leave the process's signals alone.</summary>
    public bool HandleSignals { get; }

    /// <summary>Columns for tables: the terminal's width, or a wide default when output goes to a file or a pipe.</summary>
    public int Width { get; }

    public static CliConsole FromProcess() => new(
        Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, System.Environment.GetEnvironmentVariable,
        outputIsTerminal: !Console.IsOutputRedirected, errorIsTerminal: !Console.IsErrorRedirected, handleSignals: true,
        width: Console.IsOutputRedirected ? 120 : Math.Max(40, SafeWindowWidth()));

    private static int SafeWindowWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
