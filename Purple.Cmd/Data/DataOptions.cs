using System.CommandLine;
using System.CommandLine.Parsing;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>
/// The options every data command takes. Recursive, so they may stand before or after the subcommand
/// (`purple kv --db 2 get k` and `purple kv get k --db 2`).
/// </summary>
internal sealed class DataOptions
{
    public const string EndpointVariable = "PURPLE_ENDPOINT";
    public static readonly Uri DefaultEndpoint = new("http://127.0.0.1:8081");

    public DataOptions(CliConsole console)
    {
        Endpoint = new Option<Uri>("--endpoint", "-e")
        {
            Description = $"The node's gRPC endpoint [default: ${EndpointVariable}, else {DefaultEndpoint}]",
            HelpName = "URL",
            Recursive = true,
            CustomParser = r => ParseEndpoint(r, r.Tokens[0].Value, "--endpoint"),
            // The environment is read when the command runs, through the console, so tests can set it without touching the process's.
            DefaultValueFactory = r => console.Environment(EndpointVariable) is { Length: > 0 } fromEnv
                ? ParseEndpoint(r, fromEnv, EndpointVariable)
                : DefaultEndpoint,
        };
        Db = new Option<int>("--db")
        {
            Description = "Database number",
            HelpName = "N",
            Recursive = true,
            DefaultValueFactory = _ => 0,
        };
        Db.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--db must be 0 or more.");
        });
        Timeout = TimeoutOption("How long to wait for the node's answer");
        Output = OutputOption();
        Credentials = new Credentials(console);
    }

    public Credentials Credentials { get; }

    public Option<Uri> Endpoint { get; }

    public Option<int> Db { get; }

    public Option<TimeSpan> Timeout { get; }

    public Option<OutputFormat> Output { get; }

    public void AddTo(Command command)
    {
        command.Add(Endpoint);
        command.Add(Db);
        command.Add(Timeout);
        command.Add(Output);
        Credentials.AddTo(command);
    }

    public static Option<TimeSpan> TimeoutOption(string description) => new("--timeout")
    {
        Description = description + " (500ms, 5s, 1m)",
        HelpName = "DURATION",
        Recursive = true,
        CustomParser = Durations.ParsePositive,
        DefaultValueFactory = _ => TimeSpan.FromSeconds(10),
    };

    public static Option<OutputFormat> OutputOption() => new("--output", "-o")
    {
        Description = "text for people, json for machines",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Text,
    };

    /// <summary>An http:// URL; a bare host:port means http://host:port (h2c, as the node serves gRPC without TLS).</summary>
    internal static Uri ParseEndpoint(ArgumentResult result, string text, string source)
    {
        string candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0) return uri;
        result.AddError($"{source} '{text}' is not an endpoint; use http://HOST:PORT.");
        return DefaultEndpoint;
    }
}
