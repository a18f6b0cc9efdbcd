using System.CommandLine.Parsing;
using Purple.Node.Configuration;

namespace Purple.Cmd.Common;

/// <summary>Durations as the node's flags take them ("500ms", "5s", "2m", "1h", "1d", bare seconds): one syntax for the whole product.</summary>
internal static class Durations
{
    public static TimeSpan ParsePositive(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (OptionsValidator.TryParseDuration(text, out var value) && value > TimeSpan.Zero) return value;
        result.AddError($"'{text}' is not a duration; use e.g. 500ms, 5s, 2m, 1h.");
        return default;
    }

    /// <summary>"1.5s", "250ms", "2m", for messages.</summary>
    public static string Format(TimeSpan value) =>
        value.TotalSeconds < 1 ? $"{value.TotalMilliseconds:0.#}ms"
        : value.TotalMinutes < 2 ? $"{value.TotalSeconds:0.###}s"
        : $"{value.TotalMinutes:0.##}m";
}
