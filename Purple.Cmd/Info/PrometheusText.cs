using System.Globalization;
using System.Text;

namespace Purple.Cmd.Info;

/// <summary>One sample of the Prometheus text format: a series name, its labels and a value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4) as /metrics writes it: comments and blank lines
/// skipped, labels with their escapes (\\ \" \n), values including NaN and ±Inf, an optional timestamp ignored.
/// A line that does not parse is skipped rather than failing the whole summary.
/// </summary>
internal static class PrometheusText
{
    public static List<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (TryParseLine(line, out var sample)) samples.Add(sample);
        }
        return samples;
    }

    private static bool TryParseLine(string line, out PrometheusSample sample)
    {
        sample = null!;
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ' && line[i] != '\t') i++;
        string name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{' && !TryParseLabels(line, ref i, labels)) return false;
        string[] rest = line[i..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (name.Length == 0 || rest.Length == 0 || !TryParseValue(rest[0], out double value)) return false;
        sample = new PrometheusSample(name, labels, value);
        return true;
    }

    /// <summary>Parses {a="x",b="y"} starting at the brace; leaves <paramref name="i"/> after the closing brace.</summary>
    private static bool TryParseLabels(string line, ref int i, Dictionary<string, string> labels)
    {
        i++;
        while (i < line.Length)
        {
            while (i < line.Length && (line[i] == ',' || line[i] == ' ')) i++;
            if (i < line.Length && line[i] == '}')
            {
                i++;
                return true;
            }
            int eq = line.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"') return false;
            string label = line[i..eq].Trim();
            var value = new StringBuilder();
            int j = eq + 2;
            for (; j < line.Length && line[j] != '"'; j++)
            {
                if (line[j] == '\\' && j + 1 < line.Length)
                {
                    j++;
                    value.Append(line[j] == 'n' ? '\n' : line[j]);
                }
                else
                {
                    value.Append(line[j]);
                }
            }
            if (j >= line.Length) return false;
            labels[label] = value.ToString();
            i = j + 1;
        }
        return false;
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf": value = double.PositiveInfinity; return true;
            case "-Inf": value = double.NegativeInfinity; return true;
            case "NaN": value = double.NaN; return true;
            default: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
