using Purple.Core.Commands;

namespace Purple.Protocols.Tests.Memcached;

/// <summary>Meta commands (mg ms md ma mn me) with memcached 1.6.18's replies.</summary>
public class MemcachedMetaTests
{
    [Fact]
    public async Task Mg_returns_the_flags_asked_for_in_their_order()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("HD\r\n", mc.Send("ms m1 2 T90 F5\r\nhi\r\n"));
        string reply = mc.Send("mg m1 v f t k s O123 c\r\n");
        Assert.Matches(@"^VA 2 f5 t90 km1 s2 O123 c\d+\r\nhi\r\n$", reply);
        Assert.Equal("HD\r\n", mc.Send("mg m1\r\n"));
        Assert.Equal("EN\r\n", mc.Send("mg miss v\r\n"));
        Assert.Equal("MN\r\n", mc.Send("mg miss v q\r\nmn\r\n"));
        Assert.Equal("HD km1\r\n", mc.Send("mg m1 q k\r\n"));
    }

    [Fact]
    public async Task Base64_keys_are_decoded_and_echoed_encoded()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("HD\r\n", mc.Send("ms bWk= 1 b\r\nx\r\n"));
        Assert.Equal("VA 1 kbWk= b\r\nx\r\n", mc.Send("mg bWk= b v k\r\n"));
        Assert.Equal("VALUE mi 0 1\r\nx\r\nEND\r\n", mc.Send("get mi\r\n"));
        Assert.Equal("CLIENT_ERROR error decoding key\r\n", mc.Send("mg !!! b v\r\n"));
    }

    [Fact]
    public async Task Ms_modes_and_compare_and_swap()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("NS\r\nNS\r\nHD\r\nHD\r\n", mc.Send("ms z 2 MA\r\nab\r\nms z 2 MP\r\ncd\r\nms z 2 ME\r\nxy\r\nms z 2 MR\r\nqq\r\n"));
        Assert.Equal("NS\r\n", mc.Send("ms z 2 ME\r\nxy\r\n"));
        Assert.Equal("HD\r\nHD\r\n", mc.Send("ms z 1 MA\r\n!\r\nms z 1 MP\r\n<\r\n"));
        Assert.Equal("VA 4\r\n<qq!\r\n", mc.Send("mg z v\r\n"));
        Assert.Equal("EX\r\n", mc.Send("ms z 2 C1\r\nqq\r\n"));
        string cas = mc.Send("mg z c\r\n")[4..^2];
        Assert.Matches(@"^HD c\d+\r\n$", mc.Send($"ms z 2 C{cas} c\r\nok\r\n"));
        Assert.Equal("NF\r\n", mc.Send("ms nx 2 C5\r\nqq\r\n"));
        Assert.Equal("", mc.Send("ms q 2 q\r\nab\r\n"));
        Assert.Equal("NS\r\n", mc.Send("ms q 2 q ME\r\nab\r\n"));
        Assert.Equal("CLIENT_ERROR invalid mode for ms M token\r\n", mc.Send("ms z 2 MX\r\nab\r\n"));
    }

    [Fact]
    public async Task Ms_append_with_N_vivifies_a_missing_item()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("HD\r\n", mc.Send("ms v 2 MA N30\r\nab\r\n"));
        Assert.Equal("VA 2 t30\r\nab\r\n", mc.Send("mg v v t\r\n"));
    }

    [Fact]
    public async Task Md_deletes_with_quiet_and_compare()
    {
        await using var mc = new SessionHarness();
        mc.Send("ms d 1\r\nx\r\n");
        Assert.Equal("EX\r\n", mc.Send("md d C999\r\n"));
        Assert.Equal("", mc.Send("md d q\r\n"));
        Assert.Equal("NF\r\nNF O9 kd\r\n", mc.Send("md d q\r\nmd d O9 k\r\n"));
    }

    [Fact]
    public async Task Ma_counts_with_autovivify_modes_and_values()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("NF\r\n", mc.Send("ma cnt\r\n"));
        Assert.Equal("VA 2\r\n10\r\n", mc.Send("ma cnt N0 J10 v\r\n"));
        Assert.Equal("VA 2\r\n15\r\n", mc.Send("ma cnt v D5\r\n"));
        Assert.Equal("VA 1\r\n0\r\n", mc.Send("ma cnt MD D100 v\r\n"));
        Assert.Matches(@"^VA 1 t-1 c\d+\r\n1\r\n$", mc.Send("ma cnt v t c\r\n"));
        Assert.Equal("", mc.Send("ma cnt q\r\n"));
        Assert.Equal("CLIENT_ERROR invalid or duplicate flag\r\n", mc.Send("ma cnt D-1\r\n"));
        Assert.Equal("CLIENT_ERROR invalid or duplicate flag\r\n", mc.Send("md cnt q q\r\n"));
        Assert.Equal("CLIENT_ERROR invalid mode for ma M token\r\n", mc.Send("ma cnt MX\r\n"));
        mc.Send("ms txt 1\r\nx\r\n");
        Assert.Equal("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", mc.Send("ma txt\r\n"));
    }

    [Fact]
    public async Task Flag_errors_and_missing_keys()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("CLIENT_ERROR invalid flag\r\nCLIENT_ERROR duplicate flag\r\nERROR\r\nERROR\r\nCLIENT_ERROR bad command line format\r\n",
            mc.Send("mg z zz\r\nmg z v v\r\nmg\r\nmd\r\nme\r\n"));
        Assert.Equal("CLIENT_ERROR opaque token too long\r\n", mc.Send($"mg z O{new string('1', 33)}\r\n"));
    }

    [Fact]
    public async Task Me_describes_an_item()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("EN\r\n", mc.Send("me nx\r\n"));
        mc.Send("ms k 3 T60\r\nabc\r\n");
        Assert.Matches(@"^ME k exp=60 la=\d+ cas=\d+ fetch=(yes|no) cls=1 size=3\r\n$", mc.Send("me k\r\n"));
    }

    [Fact]
    public async Task A_redis_write_gives_the_item_a_new_cas()
    {
        await using var mc = new SessionHarness();
        mc.Send("ms k 1\r\na\r\n");
        string before = mc.Send("mg k c\r\n");
        mc.Engine.Execute(new SetCommand(0, "k"u8.ToArray(), "b"u8.ToArray()));
        Assert.NotEqual(before, mc.Send("mg k c\r\n"));
    }
}
