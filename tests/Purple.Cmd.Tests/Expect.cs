using System.Text.Json;

namespace Purple.Cmd.Tests;

internal static class Expect
{
    /// <summary>Exit 0, exactly this on stdout, nothing on stderr.</summary>
    public static void Ok(CliResult result, string stdout)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(stdout, result.StdOut);
        Assert.Equal("", result.StdErr);
    }

    /// <summary>The exit code, a message on stderr that says <paramref name="why"/>, and nothing on stdout.</summary>
    public static void Failed(CliResult result, int exitCode, string why)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        Assert.Empty(result.StdOutBytes);
        Assert.Contains(why, result.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Exit 0, one JSON object on one line on stdout, nothing on stderr.</summary>
    public static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.StdErr);
        Assert.EndsWith("\n", result.StdOut, StringComparison.Ordinal);
        Assert.Single(result.StdOut.TrimEnd('\n').Split('\n'));
        using var document = JsonDocument.Parse(result.StdOut);
        return document.RootElement.Clone();
    }
}
