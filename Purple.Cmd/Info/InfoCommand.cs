using System.CommandLine;
using Purple.Cmd.Common;
using Purple.Cmd.Data;

namespace Purple.Cmd.Info;

/// <summary>
/// purple info: a summary of one node read from its HTTP /metrics (docs/cli.md says why /metrics and not a new
/// API: every node already serves it, and it needs no server change). Read-only, so it never changes the hit ratio
/// it reports.
/// </summary>
internal static class InfoCommand
{
    public static readonly Uri DefaultHttp = new("http://127.0.0.1:8080");

    public static Command Create(CliConsole console)
    {
        var http = new Option<Uri>("--http")
        {
            Description = $"The node's HTTP endpoint, whose /metrics is read [default: {DefaultHttp}]",
            HelpName = "URL",
            CustomParser = r => DataOptions.ParseEndpoint(r, r.Tokens[0].Value, "--http"),
            DefaultValueFactory = _ => DefaultHttp,
        };
        var timeout = DataOptions.TimeoutOption("How long to wait for /metrics");
        var output = DataOptions.OutputOption();
        var credentials = new Credentials(console);
        var info = new Command("info", "Summarise a node: version, uptime, keys per database, memory, hit ratio, connections") { http, timeout, output };
        credentials.AddTo(info);
        info.SetAction(async (parse, cancellation) =>
        {
            var endpoint = parse.GetValue(http)!;
            var metrics = new Uri(endpoint, "/metrics");
            var fetched = await FetchAsync(metrics, parse.GetValue(timeout), parse.GetValue(credentials.Password),
                Credentials.Authorities(parse.GetValue(credentials.CaCert)), cancellation).ConfigureAwait(false);
            if (fetched.Summary is not { } summary)
            {
                await console.Error.WriteLineAsync($"purple info: {fetched.Error}").ConfigureAwait(false);
                return fetched.ExitCode;
            }
            if (parse.GetValue(output) == OutputFormat.Json) InfoView.WriteJson(console, summary, endpoint, metrics);
            else InfoView.WriteTable(console, summary, endpoint, metrics);
            return ExitCodes.Ok;
        });
        return info;
    }

    private sealed record Fetched(NodeSummary? Summary, int ExitCode, string Error);

    private static async Task<Fetched> FetchAsync(Uri metrics, TimeSpan timeout, string? password,
        System.Security.Cryptography.X509Certificates.X509Certificate2Collection? authorities, CancellationToken cancellation)
    {
        using var client = new HttpClient(Credentials.Handler(authorities)) { Timeout = Timeout.InfiniteTimeSpan };
        if (password is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", password);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await client.GetAsync(metrics, deadline.Token).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                return new(null, ExitCodes.Refused, $"{metrics} requires a password and this one was missing or wrong: set ${Credentials.PasswordVariable} (or --password)");
            }
            if (!response.IsSuccessStatusCode)
            {
                return new(null, ExitCodes.Refused, $"{metrics} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            string text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            return NodeSummary.From(PrometheusText.Parse(text)) is { } summary
                ? new(summary, ExitCodes.Ok, "")
                : new(null, ExitCodes.Refused, $"{metrics} has no purple_build_info: is this a Purple node's HTTP port (--http)?");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new(null, ExitCodes.Unavailable, $"no answer from {metrics} within {Durations.Format(timeout)} (--timeout)");
        }
        catch (HttpRequestException ex)
        {
            return new(null, ExitCodes.Unavailable, $"cannot reach {metrics}: {ex.Message}");
        }
    }
}
