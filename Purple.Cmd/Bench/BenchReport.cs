using System.Globalization;
using Purple.Cmd.Common;
using Spectre.Console;

namespace Purple.Cmd.Bench;

/// <summary>The results of a run: a table for people, one JSON object for machines (docs/cli.md).</summary>
internal static class BenchReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void WriteTable(CliConsole console, BenchSettings s, IReadOnlyList<BenchResult> results)
    {
        string load = s.Duration is { } d ? $"{Durations.Format(d)} per test" : $"{s.Requests.ToString("N0", Inv)} requests per test";
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"purple bench {Markup.Escape(s.Target)}")
            .Caption($"{load}, {s.Clients} clients, pipeline {s.Pipeline}, {s.DataSize}-byte values, " +
                (s.Keyspace > 0 ? $"keyspace {s.Keyspace.ToString("N0", Inv)}" : "one key per test") + (s.Db != 0 ? $", db {s.Db}" : ""))
            .AddColumn("test").AddColumn(new TableColumn("requests").RightAligned()).AddColumn(new TableColumn("errors").RightAligned())
            .AddColumn(new TableColumn("seconds").RightAligned()).AddColumn(new TableColumn("ops/s").RightAligned())
            .AddColumn(new TableColumn("p50 ms").RightAligned()).AddColumn(new TableColumn("p95 ms").RightAligned())
            .AddColumn(new TableColumn("p99 ms").RightAligned()).AddColumn(new TableColumn("max ms").RightAligned());
        foreach (var r in results)
        {
            table.AddRow(r.Test.ToUpperInvariant(), r.Requests.ToString("N0", Inv), r.Errors.ToString("N0", Inv), r.Seconds.ToString("0.00", Inv),
                r.OpsPerSecond.ToString("N0", Inv), Ms(r.Latency.PercentileMs(50)), Ms(r.Latency.PercentileMs(95)), Ms(r.Latency.PercentileMs(99)),
                Ms(r.Latency.MaxMs));
        }
        Screens.Stdout(console).Write(table);
    }

    public static void WriteJson(CliConsole console, BenchSettings s, IReadOnlyList<BenchResult> results) => JsonOutput.Write(console, w =>
    {
        w.WriteString("target", s.Target);
        w.WriteNumber("clients", s.Clients);
        w.WriteNumber("pipeline", s.Pipeline);
        w.WriteNumber("dataSize", s.DataSize);
        w.WriteNumber("keyspace", s.Keyspace);
        w.WriteNumber("db", s.Db);
        if (s.Duration is { } d)
        {
            w.WriteNull("requests");
            w.WriteNumber("durationSeconds", d.TotalSeconds);
        }
        else
        {
            w.WriteNumber("requests", s.Requests);
            w.WriteNull("durationSeconds");
        }
        w.WriteStartArray("tests");
        foreach (var r in results)
        {
            w.WriteStartObject();
            w.WriteString("test", r.Test);
            w.WriteNumber("requests", r.Requests);
            w.WriteNumber("errors", r.Errors);
            w.WriteString("firstError", r.FirstError);
            w.WriteNumber("seconds", Math.Round(r.Seconds, 4));
            w.WriteNumber("opsPerSecond", Math.Round(r.OpsPerSecond, 1));
            w.WriteStartObject("latencyMs");
            w.WriteNumber("p50", Math.Round(r.Latency.PercentileMs(50), 4));
            w.WriteNumber("p95", Math.Round(r.Latency.PercentileMs(95), 4));
            w.WriteNumber("p99", Math.Round(r.Latency.PercentileMs(99), 4));
            w.WriteNumber("max", Math.Round(r.Latency.MaxMs, 4));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.000" : "0.0", Inv);
}
