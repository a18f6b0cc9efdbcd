using Purple.Protocols.Resp;

namespace Purple.Protocols.Tests;

public class CommandTableTests
{
    // DESIGN §7's RESP list plus the transaction commands and CONFIG the foundation issue asks for.
    public static TheoryData<string> RequiredCommands => new(
        "ping", "echo", "quit", "hello", "auth", "select", "client", "command", "info", "dbsize", "flushdb", "flushall", "time",
        "del", "unlink", "exists", "expire", "pexpire", "expireat", "pexpireat", "ttl", "pttl", "persist", "type", "keys", "scan", "rename",
        "get", "set", "setnx", "setex", "psetex", "getset", "getdel", "getex", "mget", "mset", "msetnx", "append", "strlen",
        "incr", "incrby", "decr", "decrby",
        "sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop", "srandmember", "sinter", "sunion", "sdiff", "sscan",
        "multi", "exec", "discard", "watch", "unwatch", "config");

    [Theory]
    [MemberData(nameof(RequiredCommands))]
    public void Every_required_command_is_served_with_a_handler(string name)
    {
        var spec = RespCommandTable.Find(name);
        Assert.NotNull(spec);
        Assert.NotNull(spec.Handler);
        Assert.NotEqual(0, spec.Arity);
        Assert.False(string.IsNullOrWhiteSpace(spec.Summary));
    }

    [Fact]
    public void Lookup_by_bytes_ignores_case_and_rejects_unknown_names()
    {
        Assert.Equal("get", RespCommandTable.Find("GeT"u8)?.Name);
        Assert.Null(RespCommandTable.Find("GETT"u8));
        Assert.Null(RespCommandTable.Find(""u8));
        Assert.Null(RespCommandTable.Find(new byte[100]));
    }

    [Fact]
    public void Every_command_is_found_by_its_bytes_in_any_case_and_a_name_one_letter_off_is_not()
    {
        foreach (var spec in RespCommandTable.All)
        {
            string mixed = string.Concat(spec.Name.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
            foreach (string name in new[] { spec.Name, spec.Name.ToUpperInvariant(), mixed })
            {
                Assert.Same(spec, RespCommandTable.Find(System.Text.Encoding.ASCII.GetBytes(name)));
            }
            byte[] changed = System.Text.Encoding.ASCII.GetBytes(spec.Name);
            changed[^1] = (byte)(changed[^1] == 'z' ? 'y' : 'z');
            var other = RespCommandTable.Find(changed);
            Assert.True(other is null || other.Name != spec.Name, $"{spec.Name}: a changed last letter found it");
            Assert.Null(RespCommandTable.Find(System.Text.Encoding.ASCII.GetBytes(spec.Name + "\0")));
        }
    }

    [Theory]
    [InlineData("get", 2, true)]
    [InlineData("get", 3, false)]
    [InlineData("set", 2, false)]
    [InlineData("set", 9, true)]
    [InlineData("ping", 1, true)]
    public void Arity_follows_redis_convention(string name, int argCount, bool accepted) =>
        Assert.Equal(accepted, RespCommandTable.Find(name)!.AcceptsArgCount(argCount));

    [Fact]
    public void Key_positions_match_redis_for_multi_key_commands()
    {
        var mset = RespCommandTable.Find("mset")!;
        Assert.Equal((1, -1, 2), (mset.FirstKey, mset.LastKey, mset.Step));
        var rename = RespCommandTable.Find("rename")!;
        Assert.Equal((1, 2, 1), (rename.FirstKey, rename.LastKey, rename.Step));
    }

    [Fact]
    public void Subcommands_know_their_parent_for_error_texts()
    {
        var setname = RespCommandTable.Find("client")!.FindSubcommand("SETNAME"u8);
        Assert.Equal("client|setname", setname?.FullName);
    }
}
