using Purple.Protocols.Resp;

namespace Purple.Protocols.Tests;

public class CommandDocsTests
{
    [Fact]
    public void Repeated_key_becomes_one_multiple_argument()
    {
        var args = RespCommandDocs.SyntaxParser.Parse("key [key ...]");
        var arg = Assert.Single(args);
        Assert.Equal(("key", "key", true, false), (arg.Name, arg.Type, arg.Multiple, arg.Optional));
    }

    [Fact]
    public void Repeated_pair_becomes_a_multiple_block()
    {
        var args = RespCommandDocs.SyntaxParser.Parse("key value [key value ...]");
        var block = Assert.Single(args);
        Assert.Equal("block", block.Type);
        Assert.True(block.Multiple);
        Assert.Equal(["key", "value"], block.Children.Select(c => c.Name));
    }

    [Fact]
    public void Set_syntax_has_optional_oneofs_with_tokens()
    {
        var args = RespCommandDocs.SyntaxParser.Parse(
            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]");
        Assert.Equal(5, args.Count);
        Assert.Equal("key", args[0].Type);
        Assert.Equal(("oneof", true), (args[2].Type, args[2].Optional));
        Assert.Equal(["NX", "XX"], args[2].Children.Select(c => c.Token));
        Assert.Equal(("pure-token", "GET", true), (args[3].Type, args[3].Token, args[3].Optional));
        var expiry = args[4];
        Assert.Equal("oneof", expiry.Type);
        Assert.Equal(("seconds", "integer", "EX"), (expiry.Children[0].Name, expiry.Children[0].Type, expiry.Children[0].Token));
        Assert.Equal(("keepttl", "pure-token"), (expiry.Children[4].Name, expiry.Children[4].Type));
    }

    [Fact]
    public void Every_command_syntax_parses()
    {
        foreach (var spec in RespCommandTable.All.Concat(RespCommandTable.All.SelectMany(c => c.Subcommands)))
        {
            var args = RespCommandDocs.SyntaxParser.Parse(spec.Syntax);
            Assert.True(spec.Syntax.Length == 0 || args.Count > 0, spec.Name);
        }
    }
}
