using Purple.Actors;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using Purple.Protocols.Memcached;

namespace Purple.Protocols.Tests.Memcached;

/// <summary>Classic commands against the real engine, with memcached 1.6.18's replies.</summary>
public class MemcachedSessionTests
{
    private static byte[] B(string s) => System.Text.Encoding.Latin1.GetBytes(s);

    [Fact]
    public async Task Storage_commands_answer_as_memcached()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("STORED\r\n", mc.Send("set k 5 0 3\r\nabc\r\n"));
        Assert.Equal("VALUE k 5 3\r\nabc\r\nEND\r\n", mc.Send("get k\r\n"));
        Assert.Equal("NOT_STORED\r\n", mc.Send("add k 0 0 1\r\nx\r\n"));
        Assert.Equal("NOT_STORED\r\n", mc.Send("replace nx 0 0 1\r\nx\r\n"));
        Assert.Equal("STORED\r\nSTORED\r\n", mc.Send("append k 9 9 2\r\nzz\r\nprepend k 9 9 2\r\naa\r\n"));
        // append/prepend keep the item's flags.
        Assert.Equal("VALUE k 5 7\r\naaabczz\r\nEND\r\n", mc.Send("get k\r\n"));
        Assert.Equal("NOT_STORED\r\n", mc.Send("append nx 0 0 1\r\nq\r\n"));
    }

    [Fact]
    public async Task Cas_compares_the_unique_that_gets_returned()
    {
        await using var mc = new SessionHarness();
        mc.Send("set c 3 0 1\r\nx\r\n");
        string gets = mc.Send("gets c\r\n");
        ulong cas = ulong.Parse(gets.Split("\r\n")[0].Split(' ')[4]);
        Assert.Equal("EXISTS\r\n", mc.Send($"cas c 4 0 1 {cas + 1}\r\ny\r\n"));
        Assert.Equal("STORED\r\n", mc.Send($"cas c 4 0 1 {cas}\r\ny\r\n"));
        Assert.Equal("EXISTS\r\n", mc.Send($"cas c 4 0 1 {cas}\r\nz\r\n"));
        Assert.Equal("NOT_FOUND\r\n", mc.Send("cas nx 0 0 1 1\r\ny\r\n"));
        Assert.Equal("VALUE c 4 1\r\ny\r\nEND\r\n", mc.Send("get c\r\n"));
    }

    [Fact]
    public async Task Incr_wraps_at_two_to_the_64_and_decr_stops_at_zero()
    {
        await using var mc = new SessionHarness();
        mc.Send("set n 0 0 2\r\n10\r\n");
        Assert.Equal("15\r\n0\r\n18446744073709551615\r\n0\r\n", mc.Send("incr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\nincr n 1\r\n"));
        Assert.Equal("CLIENT_ERROR invalid numeric delta argument\r\nCLIENT_ERROR invalid numeric delta argument\r\n",
            mc.Send("incr n -1\r\nincr n 18446744073709551616\r\n"));
        Assert.Equal("NOT_FOUND\r\n", mc.Send("decr nx 1\r\n"));
        mc.Send("set t 0 0 3\r\nabc\r\n");
        Assert.Equal("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", mc.Send("incr t 1\r\n"));
    }

    [Fact]
    public async Task Exptime_is_relative_up_to_30_days_absolute_beyond_and_negative_is_gone()
    {
        await using var mc = new SessionHarness();
        long nowSeconds = mc.Time.NowMs / 1000;
        mc.Send($"set rel 0 100 1\r\na\r\nset abs 0 {nowSeconds + 200} 1\r\nb\r\nset never 0 0 1\r\nc\r\n");
        Assert.Equal("STORED\r\n", mc.Send("set neg 0 -1 1\r\nd\r\n"));
        Assert.Equal("END\r\n", mc.Send("get neg\r\n"));
        Assert.Equal(mc.Time.NowMs + 100_000, mc.Engine.GetExpiresAt(0, B("rel")));
        Assert.Equal((nowSeconds + 200) * 1000, mc.Engine.GetExpiresAt(0, B("abs")));
        mc.Time.Advance(150_000);
        Assert.Equal("VALUE abs 0 1\r\nb\r\nVALUE never 0 1\r\nc\r\nEND\r\n", mc.Send("get rel abs never\r\n"));
        mc.Time.Advance(60_000);
        Assert.Equal("VALUE never 0 1\r\nc\r\nEND\r\n", mc.Send("get rel abs never\r\n"));
        // An absolute time already past is expired at once.
        Assert.Equal("STORED\r\nEND\r\n", mc.Send($"set old 0 {nowSeconds - 10} 1\r\na\r\nget old\r\n"));
    }

    [Fact]
    public async Task Touch_and_gat_change_the_expiry()
    {
        await using var mc = new SessionHarness();
        mc.Send("set k 0 0 1\r\na\r\n");
        Assert.Equal("TOUCHED\r\nNOT_FOUND\r\n", mc.Send("touch k 10\r\ntouch nx 10\r\n"));
        Assert.Equal(mc.Time.NowMs + 10_000, mc.Engine.GetExpiresAt(0, B("k")));
        Assert.Equal("VALUE k 0 1\r\na\r\nEND\r\n", mc.Send("gat 0 k nx\r\n"));
        Assert.Equal(-1, mc.Engine.GetExpiresAt(0, B("k")));
        Assert.StartsWith("VALUE k 0 1 ", mc.Send("gats 100 k\r\n"));
        Assert.Equal("CLIENT_ERROR invalid exptime argument\r\n", mc.Send("touch k x\r\n"));
        Assert.Equal("VALUE k 0 1\r\na\r\nEND\r\nEND\r\n", mc.Send("gat -1 k\r\nget k\r\n"));
    }

    [Fact]
    public async Task Noreply_silences_every_command_that_allows_it()
    {
        await using var mc = new SessionHarness();
        string quiet = mc.Send("set k 0 0 1 noreply\r\n1\r\nadd k 0 0 1 noreply\r\n2\r\nreplace k 0 0 1 noreply\r\n3\r\n" +
            "append k 0 0 1 noreply\r\n4\r\nprepend k 0 0 1 noreply\r\n5\r\nincr k 1 noreply\r\ndecr k 1 noreply\r\n" +
            "touch k 100 noreply\r\ncas k 0 0 1 1 noreply\r\nx\r\nverbosity 1 noreply\r\ndelete nx noreply\r\n");
        Assert.Equal("", quiet);
        Assert.Equal("VALUE k 0 3\r\n534\r\nEND\r\n", mc.Send("get k\r\n"));
        Assert.Equal("", mc.Send("delete k noreply\r\nflush_all noreply\r\n"));
        Assert.Equal("END\r\n", mc.Send("get k\r\n"));
    }

    [Fact]
    public async Task Noreply_silences_client_errors_too_but_not_error()
    {
        await using var mc = new SessionHarness();
        mc.Send("set k 0 0 1\r\n1\r\n");
        Assert.Equal("", mc.Send("incr k -1 noreply\r\ntouch k x noreply\r\nflush_all abc noreply\r\nverbosity abc noreply\r\ndelete k 5 noreply\r\n"));
        Assert.Equal("ERROR\r\n", mc.Send("set k 1 noreply\r\n"));
        Assert.Equal("VALUE k 0 1\r\n1\r\nEND\r\n", mc.Send("get k\r\n"));
    }

    [Fact]
    public async Task Delete_accepts_the_legacy_zero_and_nothing_else()
    {
        await using var mc = new SessionHarness();
        mc.Send("set k 0 0 1\r\na\r\n");
        Assert.Equal("DELETED\r\nNOT_FOUND\r\nCLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\nERROR\r\n",
            mc.Send("delete k 0\r\ndelete k\r\ndelete k 5\r\ndelete\r\n"));
    }

    [Fact]
    public async Task A_set_over_the_item_limit_is_refused_and_leaves_no_stale_value()
    {
        await using var mc = new SessionHarness(new MemcachedLimits { MaxItemSize = 1024 });
        mc.Send("set big 0 0 5\r\nhello\r\nset keep 0 0 5\r\nhello\r\n");
        string payload = new('x', 1025);
        Assert.Equal("SERVER_ERROR object too large for cache\r\nEND\r\n", mc.Send($"set big 0 0 1025\r\n{payload}\r\nget big\r\n"));
        // Only set drops the old value (memcached unlinks it for set alone).
        Assert.Equal("SERVER_ERROR object too large for cache\r\nVALUE keep 0 5\r\nhello\r\nEND\r\n",
            mc.Send($"replace keep 0 0 1025\r\n{payload}\r\nget keep\r\n"));
        Assert.Equal("STORED\r\n", mc.Send($"set edge 0 0 1024\r\n{new string('y', 1024)}\r\n"));
    }

    [Fact]
    public async Task Out_of_memory_is_a_server_error_and_reads_keep_working()
    {
        await using var mc = new SessionHarness(capacity: 4096, eviction: EvictionPolicy.None);
        Assert.Equal("STORED\r\n", mc.Send("set a 0 0 1\r\na\r\n"));
        string reply = "";
        for (int i = 0; i < 100 && !reply.StartsWith("SERVER_ERROR", StringComparison.Ordinal); i++)
            reply = mc.Send($"set k{i} 0 0 100\r\n{new string('v', 100)}\r\n");
        Assert.Equal("SERVER_ERROR out of memory storing object\r\n", reply);
        Assert.Equal("VALUE a 0 1\r\na\r\nEND\r\n", mc.Send("get a\r\n"));
    }

    [Fact]
    public async Task A_redis_set_key_is_a_miss_for_reads_and_refused_by_in_place_updates()
    {
        await using var mc = new SessionHarness();
        mc.Engine.Execute(new SAddCommand(0, B("s"), [B("m")]));
        Assert.Equal("END\r\n", mc.Send("get s\r\n"));
        Assert.Equal("END\r\n", mc.Send("gat 10 s\r\n"));
        Assert.Equal("EN\r\n", mc.Send("mg s v\r\n"));
        Assert.Equal("NOT_STORED\r\nNOT_STORED\r\nNOT_STORED\r\n", mc.Send("add s 0 0 1\r\nx\r\nappend s 0 0 1\r\nx\r\nprepend s 0 0 1\r\nx\r\n"));
        Assert.Equal("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", mc.Send("incr s 1\r\n"));
        Assert.Equal("NOT_FOUND\r\nNOT_FOUND\r\n", mc.Send("touch s 10\r\ncas s 0 0 1 1\r\nx\r\n"));
        Assert.Equal(DataType.Set, mc.Engine.TypeOf(0, B("s")));
        Assert.Equal("STORED\r\n", mc.Send("set s 0 0 1\r\nx\r\n"));
        Assert.Equal(DataType.String, mc.Engine.TypeOf(0, B("s")));
        mc.Engine.Execute(new SAddCommand(0, B("s2"), [B("m")]));
        Assert.Equal("DELETED\r\n", mc.Send("delete s2\r\n"));
    }

    [Fact]
    public async Task Memcached_sees_database_zero_and_flush_all_empties_only_it()
    {
        await using var mc = new SessionHarness();
        mc.Engine.Execute(new SetCommand(1, B("other"), B("v")));
        mc.Engine.Execute(new SetCommand(0, B("mine"), B("v")));
        Assert.Equal("VALUE mine 0 1\r\nv\r\nEND\r\n", mc.Send("get mine other\r\n"));
        Assert.Equal("OK\r\n", mc.Send("flush_all\r\n"));
        Assert.Equal(0, mc.Engine.DbSize(0));
        Assert.Equal(1, mc.Engine.DbSize(1));
    }

    [Fact]
    public async Task A_delayed_flush_all_runs_at_its_time_and_a_later_one_replaces_it()
    {
        await using var mc = new SessionHarness();
        mc.Send("set a 0 0 1\r\na\r\n");
        Assert.Equal("OK\r\n", mc.Send("flush_all 10\r\n"));
        mc.Time.Advance(9_000);
        Assert.Equal(1, mc.Engine.DbSize(0));
        mc.Time.Advance(1_000);
        Assert.Equal(0, mc.Engine.DbSize(0));

        mc.Send("set b 0 0 1\r\nb\r\n");
        mc.Send("flush_all 10\r\n");
        mc.Send("flush_all 60\r\n");
        mc.Time.Advance(30_000);
        Assert.Equal(1, mc.Engine.DbSize(0));
        mc.Time.Advance(30_000);
        Assert.Equal(0, mc.Engine.DbSize(0));
        Assert.Equal("CLIENT_ERROR invalid exptime argument\r\n", mc.Send("flush_all x\r\n"));
    }

    [Fact]
    public async Task Stats_count_what_the_commands_did()
    {
        await using var mc = new SessionHarness();
        mc.Send("set a 0 0 1\r\n1\r\nget a\r\nget a nx\r\ndelete nx\r\nincr a 1\r\n");
        var stats = Parse(mc.Send("stats\r\n"));
        Assert.Equal("1", stats["cmd_set"]);
        Assert.Equal("3", stats["cmd_get"]);
        Assert.Equal("2", stats["get_hits"]);
        Assert.Equal("1", stats["get_misses"]);
        Assert.Equal("1", stats["delete_misses"]);
        Assert.Equal("1", stats["incr_hits"]);
        Assert.Equal("1", stats["curr_items"]);
        Assert.Equal(MemcachedServerContext.ProtocolVersion, stats["version"]);
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), stats["pid"]);
        Assert.Equal("1048576", Parse(mc.Send("stats settings\r\n"))["item_size_max"]);
        Assert.Equal("RESET\r\n", mc.Send("stats reset\r\n"));
        Assert.Equal("0", Parse(mc.Send("stats\r\n"))["get_hits"]);
        Assert.Equal("ERROR\r\n", mc.Send("stats nonsense\r\n"));
    }

    [Fact]
    public async Task Errors_and_housekeeping_commands()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("ERROR\r\nERROR\r\nERROR\r\n", mc.Send("foo\r\nGET a\r\nget\r\n"));
        Assert.Equal("VERSION 1.6.18\r\nOK\r\nERROR\r\n", mc.Send("version\r\nverbosity 1\r\nverbosity\r\n"));
        Assert.Equal("CLIENT_ERROR bad command line format\r\n", mc.Send($"get {new string('k', 251)}\r\n"));
        Assert.Equal("", mc.Send("quit\r\nversion\r\n"));
        Assert.True(mc.Closed);
    }

    private static Dictionary<string, string> Parse(string stats)
    {
        Assert.EndsWith("END\r\n", stats);
        return stats.Split("\r\n").Where(l => l.StartsWith("STAT ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', 3)).ToDictionary(p => p[1], p => p[2]);
    }
}
