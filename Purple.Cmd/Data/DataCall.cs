using System.CommandLine;
using System.Text.Json;
using Purple.Client;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>
/// One data command's run: a client for the chosen node and database, the output format, and the one place
/// where the client's typed failures become exit codes and a message on stderr (stdout stays empty).
/// </summary>
internal sealed class DataCall
{
    private DataCall(CliConsole console, PurpleClient client, string command, Uri endpoint, int db, TimeSpan timeout, OutputFormat output, CancellationToken cancellation)
    {
        Console = console;
        Client = client;
        Command = command;
        Endpoint = endpoint;
        Db = db;
        Timeout = timeout;
        Output = output;
        Cancellation = cancellation;
    }

    public CliConsole Console { get; }

    public PurpleClient Client { get; }

    /// <summary>"kv get", for messages.</summary>
    public string Command { get; }

    public Uri Endpoint { get; }

    public int Db { get; }

    public TimeSpan Timeout { get; }

    public OutputFormat Output { get; }

    public CancellationToken Cancellation { get; }

    public bool Json => Output == OutputFormat.Json;

    /// <summary>Binds a subcommand's action: parses the common options, runs <paramref name="body"/>, maps failures.</summary>
    public static void Bind(Command command, string name, DataOptions options, CliConsole console, Func<DataCall, ParseResult, Task<int>> body)
    {
        command.SetAction(async (parse, cancellation) =>
        {
            var endpoint = parse.GetValue(options.Endpoint)!;
            var timeout = parse.GetValue(options.Timeout);
            using var client = new PurpleClient(endpoint,
                Credentials.ClientOptions(timeout, parse.GetValue(options.Credentials.Password), parse.GetValue(options.Credentials.CaCert)));
            var call = new DataCall(console, client, name, endpoint, parse.GetValue(options.Db), timeout, parse.GetValue(options.Output), cancellation);
            return await call.RunAsync(() => body(call, parse)).ConfigureAwait(false);
        });
    }

    private async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            return Fail(ExitCodes.Interrupted, "interrupted");
        }
        catch (PurpleUnavailableException ex)
        {
            return Fail(ExitCodes.Unavailable, $"cannot reach the node at {Endpoint}: {Reason(ex)}");
        }
        catch (PurpleDeadlineExceededException)
        {
            return Fail(ExitCodes.Unavailable, $"no answer from {Endpoint} within {Durations.Format(Timeout)} (--timeout)");
        }
        catch (PurpleUnauthenticatedException)
        {
            return Fail(ExitCodes.Refused, $"{Endpoint} requires a password and this one was missing or wrong: set ${Credentials.PasswordVariable} (or --password)");
        }
        catch (PurpleException ex)
        {
            return Fail(ExitCodes.Refused, Reason(ex));
        }
        catch (IOException ex)
        {
            // Reading a value from stdin failed.
            return Fail(ExitCodes.Usage, $"cannot read the value from stdin: {ex.Message}");
        }
    }

    public int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine($"purple {Command}: {message}");
        return exitCode;
    }

    public int Miss(string key) => Fail(ExitCodes.NotFound, $"no value at key '{key}' in db {Db}");

    /// <summary>Writes one JSON object starting with the key and database every data command's JSON carries.</summary>
    public int WriteJson(string key, Action<Utf8JsonWriter> rest)
    {
        JsonOutput.Write(Console, w =>
        {
            w.WriteString("key", key);
            w.WriteNumber("db", Db);
            rest(w);
        });
        return ExitCodes.Ok;
    }

    public int WriteLine(string text)
    {
        Console.Out.WriteLine(text);
        return ExitCodes.Ok;
    }

    /// <summary>A stored value, byte for byte; a newline follows only on a terminal, so `> file` keeps the exact value.</summary>
    public int WriteValue(byte[] value)
    {
        Console.StdOut.Write(value);
        if (Console.OutputIsTerminal) Console.StdOut.WriteByte((byte)'\n');
        Console.StdOut.Flush();
        return ExitCodes.Ok;
    }

    /// <summary>The client's message without its "Method: " prefix: the command name already says what was called.</summary>
    private static string Reason(PurpleException ex)
    {
        int colon = ex.Message.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !ex.Message[..colon].Contains(' ', StringComparison.Ordinal) ? ex.Message[(colon + 2)..] : ex.Message;
    }
}
