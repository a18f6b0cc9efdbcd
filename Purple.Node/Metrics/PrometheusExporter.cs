using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Purple.Protocols.Metrics;

namespace Purple.Node.Metrics;

/// <summary>
/// Renders the Prometheus text exposition format (version 0.0.4) for /metrics, since prometheus-net is not
/// available: every instrument of the "Purple" and "System.Runtime" meters (read through a MeterListener), the
/// command latency histograms (pre-aggregated by <see cref="CommandMetrics"/>), and the standard process_*
/// series. Instrument names become Prometheus names the way OpenTelemetry's exporter does it: dots to
/// underscores, the unit as a suffix (By → _bytes, s → _seconds), and _total on counters.
/// Scrapes are serialized; measurements of non-observable counters are summed as they happen.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly NodeMetrics _metrics;
    private readonly MeterListener _listener = new();
    private readonly Lock _scrape = new();
    private readonly ConcurrentDictionary<(Instrument, string), double> _sums = new();
    private List<(Instrument Instrument, double Value, string Labels)>? _observed;

    private readonly PurpleInstruments _instruments;

    /// <param name="instruments">This node's "Purple" meter: only its instruments, since several nodes may share a process (tests).</param>
    public PrometheusExporter(NodeMetrics metrics, PurpleInstruments instruments)
    {
        _metrics = metrics;
        _instruments = instruments;
        var meter = instruments.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            bool ours = ReferenceEquals(instrument.Meter, meter) || instrument.Meter.Name == "System.Runtime";
            if (ours && Family(instrument) is not null) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.Start();
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string labels = Labels(tags);
        if (instrument.IsObservable)
        {
            // Observable instruments report only while a scrape records them, under the scrape lock.
            _observed?.Add((instrument, value, labels));
            return;
        }
        _sums.AddOrUpdate((instrument, labels), value, (_, sum) => sum + value);
    }

    public string Scrape()
    {
        lock (_scrape)
        {
            _observed = [];
            _instruments.Refresh();
            _listener.RecordObservableInstruments();
            var samples = _observed;
            _observed = null;
            foreach (var ((instrument, labels), sum) in _sums) samples.Add((instrument, sum, labels));

            var text = new StringBuilder(16 * 1024);
            foreach (var family in samples.GroupBy(s => Family(s.Instrument)!.Value.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = family.First().Instrument;
                Header(text, family.Key, Family(first)!.Value.Type, first.Description ?? first.Name);
                foreach (var (_, value, labels) in family.OrderBy(s => s.Labels, StringComparer.Ordinal))
                    Sample(text, family.Key, labels, value);
            }
            WriteLatencyHistograms(text);
            WriteProcess(text);
            return text.ToString();
        }
    }

    private void WriteLatencyHistograms(StringBuilder text)
    {
        const string name = "purple_command_duration_seconds";
        Header(text, name, "histogram", "Time to run a command, request or call, by protocol and name (server side, parsing to reply).");
        foreach (var protocol in _metrics.All)
        {
            foreach (var c in protocol.Commands.Read())
            {
                string labels = $"protocol=\"{Escape(protocol.Protocol)}\",command=\"{Escape(c.Command)}\"";
                for (int b = 0; b < CommandMetrics.BucketBounds.Length; b++)
                    Sample(text, name + "_bucket", $"{labels},le=\"{Number(CommandMetrics.BucketBounds[b])}\"", c.CumulativeBuckets[b]);
                Sample(text, name + "_bucket", labels + ",le=\"+Inf\"", c.Count);
                Sample(text, name + "_sum", labels, c.SumSeconds);
                Sample(text, name + "_count", labels, c.Count);
            }
        }
    }

    private static void WriteProcess(StringBuilder text)
    {
        using var process = Process.GetCurrentProcess();
        Gauge(text, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", process.TotalProcessorTime.TotalSeconds);
        Gauge(text, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Gauge(text, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualMemorySize64);
        Gauge(text, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.",
            new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        if (Directory.Exists("/proc/self/fd"))
            Gauge(text, "process_open_fds", "gauge", "Open file descriptors.", Directory.EnumerateFileSystemEntries("/proc/self/fd").Count());
        if (MaxOpenFiles() is long max)
            Gauge(text, "process_max_fds", "gauge", "The most file descriptors the process may open.", max);
    }

    private static long? MaxOpenFiles()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var parts = line[14..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    private static void Gauge(StringBuilder text, string name, string type, string help, double value)
    {
        Header(text, name, type, help);
        Sample(text, name, "", value);
    }

    /// <summary>The Prometheus family of an instrument, or null for kinds this exporter does not render (histograms of other meters).</summary>
    internal static (string Name, string Type)? Family(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType) return null;
        var kind = type.GetGenericTypeDefinition();
        bool counter = kind == typeof(Counter<>) || kind == typeof(ObservableCounter<>);
        bool gauge = kind == typeof(UpDownCounter<>) || kind == typeof(ObservableUpDownCounter<>) || kind == typeof(ObservableGauge<>) || kind == typeof(Gauge<>);
        if (!counter && !gauge) return null;
        string name = Sanitize(instrument.Name);
        string suffix = instrument.Unit switch
        {
            "By" => "_bytes",
            "s" => "_seconds",
            "ms" => "_milliseconds",
            _ => "",
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal)) name += suffix;
        if (counter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        // _count, _sum and _bucket belong to histograms and summaries (promtool rejects them elsewhere):
        // System.Runtime's dotnet.assembly.count becomes dotnet_assembly_count_current.
        if (!counter && (name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal)
                         || name.EndsWith("_bucket", StringComparison.Ordinal))) name += "_current";
        return (name, counter ? "counter" : "gauge");
    }

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (i > 0 && c is >= '0' and <= '9');
            if (!ok) chars[i] = '_';
        }
        return new string(chars);
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<string>(tags.Length);
        foreach (var tag in tags)
            pairs.Add($"{Sanitize(tag.Key)}=\"{Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")}\"");
        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    /// <summary>Label values escape backslash, double quote and line feed, as the text format requires.</summary>
    internal static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static void Header(StringBuilder text, string name, string type, string help)
    {
        text.Append("# HELP ").Append(name).Append(' ')
            .Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    private static void Sample(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    internal static string Number(double value) => double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _listener.Dispose();
}
