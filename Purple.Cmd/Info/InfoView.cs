using System.Globalization;
using Purple.Cmd.Common;
using Purple.Node.Configuration;
using Spectre.Console;

namespace Purple.Cmd.Info;

/// <summary>The two faces of a <see cref="NodeSummary"/>: a table for people, one JSON object for machines (docs/cli.md).</summary>
internal static class InfoView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void WriteTable(CliConsole console, NodeSummary s, Uri http, Uri source)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"Purple {Markup.Escape(s.Version)} at {Markup.Escape(http.Authority)}")
            .AddColumn("").AddColumn("");
        table.ShowHeaders = false;
        void Row(string name, string value) => table.AddRow(new Text(name), new Text(value));

        Row("version", s.Version);
        Row("uptime", Uptime(s.UptimeSeconds));
        Row("keys", $"{s.Keys.ToString("N0", Inv)} ({s.ExpiringKeys.ToString("N0", Inv)} with a TTL)");
        foreach (var (db, keys) in s.KeysPerDb.Where(d => d.Value > 0))
        {
            Row($"  db{db}", $"{keys.ToString("N0", Inv)} ({s.ExpiringPerDb.GetValueOrDefault(db).ToString("N0", Inv)} with a TTL)");
        }
        string share = s.CapacityBytes > 0 ? $" ({100.0 * s.UsedBytes / s.CapacityBytes:0.0} %)" : "";
        Row("memory", $"{ByteSize.Format(s.UsedBytes)} used of {ByteSize.Format(s.CapacityBytes)}{share}");
        if (s.ResidentBytes is { } rss) Row("process RSS", ByteSize.Format(rss));
        Row("eviction", $"{s.EvictionPolicy ?? "unknown"}; {s.EvictedKeys.ToString("N0", Inv)} evicted, {s.ExpiredKeys.ToString("N0", Inv)} expired");
        Row("hit ratio", s.HitRatio is { } ratio
            ? $"{100 * ratio:0.0} % (hits {s.Hits.ToString("N0", Inv)}, misses {s.Misses.ToString("N0", Inv)})"
            : "no reads yet");
        Row("commands", s.Commands.ToString("N0", Inv));
        Row("connections", $"{s.Connections.Values.Sum().ToString("N0", Inv)} open");
        foreach (var (protocol, open) in s.Connections)
        {
            Row($"  {protocol}", $"{open.ToString("N0", Inv)} open, {s.ConnectionsReceived.GetValueOrDefault(protocol).ToString("N0", Inv)} accepted");
        }
        if (s.Listeners.Count == 0)
        {
            // A node older than purple_listener_info: name the one listener this summary came through.
            Row("listeners", $"http {http.Authority} (the node does not report the others)");
        }
        else
        {
            Row("listeners", $"{s.Listeners.Count} on");
            foreach (var l in s.Listeners) Row($"  {l.Protocol}", l.Address + (l.Tls ? " (TLS)" : ""));
        }
        Screens.Stdout(console).Write(table);
    }

    public static void WriteJson(CliConsole console, NodeSummary s, Uri http, Uri source) => JsonOutput.Write(console, w =>
    {
        w.WriteString("source", source.ToString());
        w.WriteString("version", s.Version);
        w.WriteNumber("uptimeSeconds", Math.Round(s.UptimeSeconds, 3));
        w.WriteStartObject("keys");
        w.WriteNumber("total", s.Keys);
        w.WriteNumber("expiring", s.ExpiringKeys);
        w.WriteStartObject("perDb");
        foreach (var (db, keys) in s.KeysPerDb.Where(d => d.Value > 0))
        {
            w.WriteStartObject(db.ToString(Inv));
            w.WriteNumber("keys", keys);
            w.WriteNumber("expiring", s.ExpiringPerDb.GetValueOrDefault(db));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("memory");
        w.WriteNumber("usedBytes", s.UsedBytes);
        w.WriteNumber("capacityBytes", s.CapacityBytes);
        if (s.ResidentBytes is { } rss) w.WriteNumber("residentBytes", rss);
        else w.WriteNull("residentBytes");
        w.WriteEndObject();
        w.WriteStartObject("eviction");
        w.WriteString("policy", s.EvictionPolicy);
        w.WriteNumber("evictedKeys", s.EvictedKeys);
        w.WriteNumber("expiredKeys", s.ExpiredKeys);
        w.WriteEndObject();
        w.WriteNumber("hits", s.Hits);
        w.WriteNumber("misses", s.Misses);
        if (s.HitRatio is { } ratio) w.WriteNumber("hitRatio", Math.Round(ratio, 6));
        else w.WriteNull("hitRatio");
        w.WriteNumber("commands", s.Commands);
        w.WriteStartObject("connections");
        foreach (var (protocol, open) in s.Connections)
        {
            w.WriteStartObject(protocol);
            w.WriteNumber("open", open);
            w.WriteNumber("accepted", s.ConnectionsReceived.GetValueOrDefault(protocol));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartObject("listeners");
        if (s.Listeners.Count == 0)
        {
            w.WriteStartObject("http");
            w.WriteString("address", http.Authority);
            w.WriteBoolean("tls", http.Scheme == Uri.UriSchemeHttps);
            w.WriteEndObject();
        }
        foreach (var l in s.Listeners)
        {
            w.WriteStartObject(l.Protocol);
            w.WriteString("address", l.Address);
            w.WriteBoolean("tls", l.Tls);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    });

    private static string Uptime(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Floor(seconds));
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours}h {t.Minutes}m"
            : t.TotalHours >= 1 ? $"{t.Hours}h {t.Minutes}m {t.Seconds}s"
            : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds}s"
            : $"{t.Seconds}s";
    }
}
