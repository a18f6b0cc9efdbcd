using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Purple.Protocols.Resp;

/// <summary>
/// The INFO text. Field names are Redis's where the meaning is the same, so dashboards and clients
/// that parse INFO keep working; Purple-only facts carry a <c>purple_</c> prefix.
/// </summary>
internal static class RespInfo
{
    private static readonly string[] DefaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"];

    public static string Render(RespServerContext server, HashSet<string> requested)
    {
        bool all = requested.Count == 0 || requested.Contains("all") || requested.Contains("everything") || requested.Contains("default");
        var text = new StringBuilder();
        foreach (var section in DefaultSections)
        {
            if (!all && !requested.Contains(section)) continue;
            if (text.Length > 0) text.Append("\r\n");
            Append(text, server, section);
        }
        return text.ToString();
    }

    private static void Append(StringBuilder text, RespServerContext server, string section)
    {
        var inv = CultureInfo.InvariantCulture;
        var info = server.Info;
        var now = server.Time.GetUtcNow();
        switch (section)
        {
            case "server":
                long uptime = (long)(now - info.StartedAt).TotalSeconds;
                text.Append("# Server\r\n")
                    .Append(inv, $"redis_version:{RespCommands.RedisCompatibleVersion}\r\n")
                    .Append(inv, $"purple_version:{info.Version}\r\n")
                    .Append("redis_mode:standalone\r\n")
                    .Append(inv, $"os:{Environment.OSVersion.Platform} {Environment.OSVersion.Version}\r\n")
                    .Append(inv, $"arch_bits:{IntPtr.Size * 8}\r\n")
                    .Append(inv, $"runtime:.NET {Environment.Version}\r\n")
                    .Append(inv, $"process_id:{Environment.ProcessId}\r\n")
                    .Append(inv, $"run_id:{info.RunId}\r\n")
                    .Append(inv, $"tcp_port:{info.TcpPort}\r\n")
                    .Append(inv, $"server_time_usec:{(now - DateTimeOffset.UnixEpoch).Ticks / 10}\r\n")
                    .Append(inv, $"uptime_in_seconds:{uptime}\r\n")
                    .Append(inv, $"uptime_in_days:{uptime / 86400}\r\n")
                    .Append("hz:10\r\n")
                    .Append(inv, $"executable:{Environment.ProcessPath}\r\n")
                    .Append(inv, $"config_file:{info.ConfigFile}\r\n");
                break;
            case "clients":
                text.Append("# Clients\r\n")
                    .Append(inv, $"connected_clients:{server.Clients.Count}\r\n")
                    .Append("blocked_clients:0\r\n")
                    .Append("tracking_clients:0\r\n");
                break;
            case "memory":
                var stats = server.Store.GetStats();
                long rss = Process.GetCurrentProcess().WorkingSet64;
                var gc = GC.GetGCMemoryInfo();
                text.Append("# Memory\r\n")
                    .Append(inv, $"used_memory:{stats.UsedBytes}\r\n")
                    .Append(inv, $"used_memory_human:{Human(stats.UsedBytes)}\r\n")
                    .Append(inv, $"used_memory_rss:{rss}\r\n")
                    .Append(inv, $"used_memory_rss_human:{Human(rss)}\r\n")
                    .Append(inv, $"purple_gc_heap_bytes:{GC.GetTotalMemory(false)}\r\n")
                    // As of the last collection: what the GC holds beyond live objects (docs/performance.md, "Memory").
                    .Append(inv, $"purple_gc_fragmented_bytes:{gc.FragmentedBytes}\r\n")
                    .Append(inv, $"purple_gc_committed_bytes:{gc.TotalCommittedBytes}\r\n")
                    .Append(inv, $"purple_gc_collections:gen0={GC.CollectionCount(0)},gen1={GC.CollectionCount(1)},gen2={GC.CollectionCount(2)}\r\n")
                    .Append(inv, $"purple_gc_pause_total_ms:{(long)GC.GetTotalPauseDuration().TotalMilliseconds}\r\n")
                    .Append(inv, $"maxmemory:{stats.CapacityBytes}\r\n")
                    .Append(inv, $"maxmemory_human:{Human(stats.CapacityBytes)}\r\n")
                    .Append(inv, $"maxmemory_policy:{stats.EvictionPolicy}\r\n")
                    .Append("mem_allocator:dotnet-gc\r\n");
                break;
            case "persistence":
                text.Append("# Persistence\r\n");
                foreach (var (name, value) in server.Persistence.InfoFields()) text.Append(name).Append(':').Append(value).Append("\r\n");
                break;
            case "stats":
                var st = server.Store.GetStats();
                text.Append("# Stats\r\n")
                    .Append(inv, $"total_connections_received:{server.Clients.ConnectionsReceived}\r\n")
                    .Append(inv, $"total_commands_processed:{server.Clients.CommandsProcessed}\r\n")
                    .Append(inv, $"rejected_connections:{server.Clients.RejectedConnections}\r\n")
                    .Append(inv, $"expired_keys:{st.ExpiredKeys}\r\n")
                    .Append(inv, $"evicted_keys:{st.EvictedKeys}\r\n")
                    .Append(inv, $"keyspace_hits:{st.Hits}\r\n")
                    .Append(inv, $"keyspace_misses:{st.Misses}\r\n");
                break;
            case "replication":
                text.Append("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n");
                break;
            case "cpu":
                var process = Process.GetCurrentProcess();
                text.Append("# CPU\r\n")
                    .Append(inv, $"used_cpu_sys:{process.PrivilegedProcessorTime.TotalSeconds:F6}\r\n")
                    .Append(inv, $"used_cpu_user:{process.UserProcessorTime.TotalSeconds:F6}\r\n");
                break;
            case "keyspace":
                var ks = server.Store.GetStats();
                text.Append("# Keyspace\r\n");
                for (int db = 0; db < ks.KeysPerDb.Length; db++)
                {
                    if (ks.KeysPerDb[db] > 0) text.Append(inv, $"db{db}:keys={ks.KeysPerDb[db]},expires={ks.ExpiresPerDb[db]},avg_ttl=0\r\n");
                }
                break;
        }
    }

    internal static string Human(long bytes)
    {
        string[] units = ["B", "K", "M", "G", "T"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes}B" : value.ToString("F2", CultureInfo.InvariantCulture) + units[unit];
    }
}
