using System.Diagnostics;
using System.Globalization;

namespace Purple.Protocols.Memcached;

// flush_all, verbosity, stats.
public sealed partial class MemcachedSession
{
    private void FlushAll(MemcachedRequest r)
    {
        int count = r.TokenCount - (r.NoReply ? 1 : 0);
        if (count > 2)
        {
            Writer.UnknownCommand();
            return;
        }
        TimeSpan delay = TimeSpan.Zero;
        if (count == 2)
        {
            if (!MemcachedDecoder.TryParseInt64(r[1], out long exptime))
            {
                Writer.Line("CLIENT_ERROR invalid exptime argument");
                return;
            }
            long at = ExpiresAt(exptime);
            if (at > 1) delay = TimeSpan.FromMilliseconds(at - Server.NowMs);
        }
        Count(MemcachedStat.CmdFlush);
        Server.Flush(delay);
        if (ReplyWanted(r)) Writer.Raw("OK\r\n"u8);
    }

    private void Verbosity(MemcachedRequest r)
    {
        int count = r.TokenCount - (r.NoReply ? 1 : 0);
        if (r.TokenCount == 1 || count > 2)
        {
            Writer.UnknownCommand();
            return;
        }
        // "verbosity noreply" sets nothing and says nothing, as in memcached.
        if (count == 1) return;
        if (!MemcachedDecoder.TryParseUInt32(r[1], out uint level))
        {
            Writer.Line("CLIENT_ERROR bad command line format");
            return;
        }
        Server.Verbosity = (int)Math.Min(level, int.MaxValue);
        if (ReplyWanted(r)) Writer.Raw("OK\r\n"u8);
    }

    private void Stats(MemcachedRequest r)
    {
        if (r.TokenCount == 1)
        {
            GeneralStats();
        }
        else if (r[1].SequenceEqual("settings"u8))
        {
            SettingsStats();
        }
        else if (r[1].SequenceEqual("items"u8))
        {
            ItemStats();
        }
        else if (r[1].SequenceEqual("slabs"u8))
        {
            // Purple has no slab allocator; memory is the engine's exact byte count (DESIGN §3).
            var store = Store.GetStats();
            Stat("active_slabs", 0);
            Stat("total_malloced", store.UsedBytes);
        }
        else if (r[1].SequenceEqual("sizes"u8))
        {
            Stat("sizes_status", "disabled");
        }
        else if (r[1].SequenceEqual("reset"u8))
        {
            Server.ResetStats();
            Writer.Raw("RESET\r\n"u8);
            return;
        }
        else
        {
            Writer.UnknownCommand();
            return;
        }
        Writer.Raw("END\r\n"u8);
    }

    private void GeneralStats()
    {
        CountBytes(0);
        var now = Server.Time.GetUtcNow();
        var store = Store.GetStats();
        using var process = Process.GetCurrentProcess();
        Stat("pid", Environment.ProcessId);
        Stat("uptime", (long)(now - Server.StartedAt).TotalSeconds);
        Stat("time", now.ToUnixTimeSeconds());
        Stat("version", MemcachedServerContext.ProtocolVersion);
        Stat("purple_version", Server.PurpleVersion);
        Stat("pointer_size", IntPtr.Size * 8);
        Stat("rusage_user", Seconds(process.UserProcessorTime));
        Stat("rusage_system", Seconds(process.PrivilegedProcessorTime));
        Stat("curr_connections", Server.CurrentConnections);
        Stat("total_connections", Server.TotalConnections);
        Stat("rejected_connections", 0);
        Stat("cmd_get", Server.StatTotal(MemcachedStat.CmdGet));
        Stat("cmd_set", Server.StatTotal(MemcachedStat.CmdSet));
        Stat("cmd_flush", Server.StatTotal(MemcachedStat.CmdFlush));
        Stat("cmd_touch", Server.StatTotal(MemcachedStat.CmdTouch));
        Stat("cmd_meta", Server.StatTotal(MemcachedStat.CmdMeta));
        Stat("get_hits", Server.StatTotal(MemcachedStat.GetHits));
        Stat("get_misses", Server.StatTotal(MemcachedStat.GetMisses));
        // The engine does not tell a miss on an expired key from any other miss (expired keys are counted
        // in "reclaimed"), so these two are always 0.
        Stat("get_expired", 0);
        Stat("get_flushed", 0);
        Stat("delete_misses", Server.StatTotal(MemcachedStat.DeleteMisses));
        Stat("delete_hits", Server.StatTotal(MemcachedStat.DeleteHits));
        Stat("incr_misses", Server.StatTotal(MemcachedStat.IncrMisses));
        Stat("incr_hits", Server.StatTotal(MemcachedStat.IncrHits));
        Stat("decr_misses", Server.StatTotal(MemcachedStat.DecrMisses));
        Stat("decr_hits", Server.StatTotal(MemcachedStat.DecrHits));
        Stat("cas_misses", Server.StatTotal(MemcachedStat.CasMisses));
        Stat("cas_hits", Server.StatTotal(MemcachedStat.CasHits));
        Stat("cas_badval", Server.StatTotal(MemcachedStat.CasBadval));
        Stat("touch_hits", Server.StatTotal(MemcachedStat.TouchHits));
        Stat("touch_misses", Server.StatTotal(MemcachedStat.TouchMisses));
        Stat("store_too_large", Server.StatTotal(MemcachedStat.StoreTooLarge));
        Stat("store_no_memory", Server.StatTotal(MemcachedStat.StoreNoMemory));
        Stat("auth_cmds", 0);
        Stat("auth_errors", 0);
        Stat("bytes_read", Server.StatTotal(MemcachedStat.BytesRead));
        Stat("bytes_written", Server.StatTotal(MemcachedStat.BytesWritten));
        Stat("limit_maxbytes", store.CapacityBytes);
        Stat("accepting_conns", 1);
        Stat("threads", Environment.ProcessorCount);
        Stat("bytes", store.UsedBytes);
        Stat("curr_items", store.KeysPerDb.Length > 0 ? store.KeysPerDb[MemcachedServerContext.Db] : 0);
        Stat("total_items", Server.StatTotal(MemcachedStat.TotalItems));
        Stat("expired_unfetched", 0);
        Stat("evicted_unfetched", 0);
        Stat("evictions", store.EvictedKeys);
        Stat("reclaimed", store.ExpiredKeys);
    }

    private void SettingsStats()
    {
        var store = Store.GetStats();
        Stat("maxbytes", store.CapacityBytes);
        Stat("maxconns", Server.MaxConnections);
        Stat("tcpport", Server.TcpPort);
        Stat("udpport", 0);
        Stat("verbosity", Server.Verbosity);
        Stat("evictions", store.EvictionPolicy == "noeviction" ? "off" : "on");
        Stat("eviction_policy", store.EvictionPolicy);
        Stat("eviction_scope", store.EvictionScope);
        Stat("num_threads", Environment.ProcessorCount);
        Stat("cas_enabled", "yes");
        Stat("binding_protocol", "ascii");
        Stat("auth_enabled_sasl", "no");
        Stat("auth_enabled_ascii", "no");
        Stat("item_size_max", Limits.MaxItemSize);
        Stat("flush_enabled", "yes");
        Stat("max_key_length", Limits.MaxKeyLength);
        Stat("max_line_length", Limits.MaxLineLength);
    }

    private void ItemStats()
    {
        // One class stands for every item: there are no slab classes to break the figures down by.
        var store = Store.GetStats();
        long items = store.KeysPerDb.Length > 0 ? store.KeysPerDb[MemcachedServerContext.Db] : 0;
        if (items == 0) return;
        Stat("items:1:number", items);
        Stat("items:1:mem_requested", store.UsedBytes);
        Stat("items:1:evicted", store.EvictedKeys);
        Stat("items:1:outofmemory", Server.StatTotal(MemcachedStat.StoreNoMemory));
        Stat("items:1:reclaimed", store.ExpiredKeys);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture);

    private void Stat(string name, long value) => Writer.Line(string.Create(CultureInfo.InvariantCulture, $"STAT {name} {value}"));

    private void Stat(string name, string value) => Writer.Line($"STAT {name} {value}");
}
