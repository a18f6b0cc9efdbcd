namespace Purple.Node;

/// <summary>
/// `purple-node --health-check [URL]`: probes a running node's /readyz and exits 0 when it answers 200, 1 otherwise,
/// so a container image needs no curl for its HEALTHCHECK. A certificate is not verified (the probe runs beside the
/// node, often against a self-signed or internal certificate); it reads nothing but the status.
/// </summary>
internal static class HealthCheck
{
    public const string DefaultUrl = "http://127.0.0.1:8080/readyz";

    public static async Task<int> RunAsync(string? url)
    {
        url ??= Environment.GetEnvironmentVariable("PURPLE_HEALTHCHECK_URL") ?? DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            await Console.Error.WriteLineAsync($"purple: --health-check '{url}' is not an http or https URL.").ConfigureAwait(false);
            return Program.ExitBadConfiguration;
        }
#pragma warning disable CA5359 // the probe checks liveness beside the node, not the server's identity
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(uri).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return Program.ExitOk;
            await Console.Error.WriteLineAsync($"purple: {uri} answered {(int)response.StatusCode}").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"purple: {uri} did not answer: {ex.Message}").ConfigureAwait(false);
        }
        return Program.ExitStartupFailure;
    }
}
