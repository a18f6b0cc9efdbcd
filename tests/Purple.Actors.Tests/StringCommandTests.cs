using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class StringCommandTests
{
    [Fact]
    public void Wrong_type_where_redis_gives_wrongtype()
    {
        var e = Engine();
        e.SAdd("s", "m");
        e.Set("str", "v");
        Assert.Equal(ReadStatus.WrongType, e.TryGet(0, B("s"), out _));
        Assert.Equal(PurpleError.WrongType, e.SAdd("str", "m").Error);
        Assert.Equal(PurpleError.WrongType, e.Execute(new IncrByCommand(0, B("s"), 1)).Error);
        Assert.Equal(PurpleError.WrongType, e.Execute(new AppendCommand(0, B("s"), B("x"))).Error);
        Assert.Equal(PurpleError.WrongType, e.Execute(new GetDelCommand(0, B("s"))).Error);
        Assert.Equal(PurpleError.WrongType, e.Execute(new SetCommand(0, B("s"), B("v"), Options: SetOptions.ReturnOld)).Error);
        Assert.Equal(DataType.Set, e.TypeOf(0, B("s"))); // the failed SET … GET changed nothing
        Assert.Equal(ReadStatus.WrongType, e.SetMembers(0, B("str"), out _));
        Assert.Equal(new byte[]?[] { null, B("v"), null }, e.GetMany(0, [B("s"), B("str"), B("none")]));
        Assert.True(e.Set("s", "now a string").IsOk); // plain SET overwrites any type
        Assert.Equal(DataType.String, e.TypeOf(0, B("s")));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("+1")]
    [InlineData("01")]
    [InlineData("-0")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("000000000000000000001")]
    public void IncrBy_rejects_values_redis_does_not_parse(string stored)
    {
        var e = Engine();
        e.Set("n", stored);
        Assert.Equal(PurpleError.NotInteger, e.Execute(new IncrByCommand(0, B("n"), 1)).Error);
        Assert.Equal(stored, e.Get("n"));
    }

    [Fact]
    public void IncrBy_counts_from_zero_keeps_ttl_and_metadata_and_detects_overflow()
    {
        var time = new FakeTime();
        var e = Engine(time);
        Assert.Equal(5, e.Execute(new IncrByCommand(0, B("n"), 5)).Integer);
        e.Execute(new SetCommand(0, B("c"), B("-10"), time.NowMs + 1000, ClientFlags: 7, ContentType: "text/plain"));
        var r = e.Execute(new IncrByCommand(0, B("c"), 3));
        Assert.Equal(-7, r.Integer);
        Assert.Equal((7u, time.NowMs + 1000, "text/plain"), (r.Item.ClientFlags, r.Item.ExpiresAt, r.Item.ContentType));
        Assert.Equal("-7", e.Get("c"));
        e.Set("max", long.MaxValue.ToString());
        Assert.Equal(PurpleError.Overflow, e.Execute(new IncrByCommand(0, B("max"), 1)).Error);
        e.Set("min", long.MinValue.ToString());
        Assert.Equal(PurpleError.Overflow, e.Execute(new IncrByCommand(0, B("min"), -1)).Error);
        Assert.Equal(long.MinValue + 1, e.Execute(new IncrByCommand(0, B("min"), 1)).Integer);
    }

    [Fact]
    public void Memcached_incr_wraps_decr_floors_and_needs_the_key()
    {
        var e = Engine();
        Assert.Equal(ExecStatus.Missing, e.Execute(new IncrByCommand(0, B("m"), 1, IncrMode.MemcachedIncr)).Status);
        e.Set("m", ulong.MaxValue.ToString());
        var r = e.Execute(new IncrByCommand(0, B("m"), 2, IncrMode.MemcachedIncr));
        Assert.Equal(1UL, (ulong)r.Integer);
        Assert.Equal("1", e.Get("m"));
        Assert.Equal(0, e.Execute(new IncrByCommand(0, B("m"), 5, IncrMode.MemcachedDecr)).Integer);
        e.Set("big", "18446744073709551610");
        r = e.Execute(new IncrByCommand(0, B("big"), 1, IncrMode.MemcachedIncr));
        Assert.Equal(18446744073709551611UL, (ulong)r.Integer);
        e.Set("bad", "-1");
        Assert.Equal(PurpleError.NotInteger, e.Execute(new IncrByCommand(0, B("bad"), 1, IncrMode.MemcachedIncr)).Error);
        e.Set("text", "abc");
        Assert.Equal(PurpleError.NotInteger, e.Execute(new IncrByCommand(0, B("text"), 1, IncrMode.MemcachedDecr)).Error);
    }

    [Fact]
    public void Set_conditions_and_cas()
    {
        var e = Engine();
        Assert.Equal(ExecStatus.NotPerformed, e.Execute(new SetCommand(0, B("k"), B("v"), Condition: SetCondition.IfExists)).Status);
        Assert.Equal(ExecStatus.Missing, e.Execute(new SetCommand(0, B("k"), B("v"), Condition: SetCondition.IfCasMatches, ExpectedCas: 1)).Status);
        var first = e.Execute(new SetCommand(0, B("k"), B("v"), Condition: SetCondition.IfNotExists));
        Assert.True(first.IsOk);
        Assert.NotEqual(0UL, first.Item.Cas);
        Assert.Equal(ExecStatus.NotPerformed, e.Execute(new SetCommand(0, B("k"), B("w"), Condition: SetCondition.IfNotExists)).Status);
        Assert.Equal(ExecStatus.CasMismatch, e.Execute(new SetCommand(0, B("k"), B("w"), Condition: SetCondition.IfCasMatches, ExpectedCas: first.Item.Cas + 100)).Status);
        var swapped = e.Execute(new SetCommand(0, B("k"), B("w"), Condition: SetCondition.IfCasMatches, ExpectedCas: first.Item.Cas, Options: SetOptions.ReturnOld));
        Assert.Equal("v", S(swapped.Value));
        Assert.True(swapped.Item.Cas > first.Item.Cas);
        Assert.Equal("w", e.Get("k"));
    }

    [Fact]
    public void Append_prepend_and_must_exist()
    {
        var e = Engine();
        Assert.Equal(ExecStatus.Missing, e.Execute(new AppendCommand(0, B("k"), B("x"), MustExist: true)).Status);
        Assert.Equal(2, e.Execute(new AppendCommand(0, B("k"), B("bc"))).Integer);
        Assert.Equal(3, e.Execute(new AppendCommand(0, B("k"), B("a"), Prepend: true)).Integer);
        var r = e.Execute(new AppendCommand(0, B("k"), B("d"), MustExist: true));
        Assert.Equal(4, r.Integer);
        Assert.Equal("abcd", S(r.Item.Value));
    }

    [Fact]
    public void Rename_moves_value_and_ttl()
    {
        var time = new FakeTime();
        var e = Engine(time, shards: 8);
        Assert.Equal(PurpleError.NoSuchKey, e.Execute(new RenameCommand(0, B("a"), B("b"))).Error);
        e.Set("a", "v", time.NowMs + 5000);
        ulong before = e.KeyVersion(0, B("a"));
        Assert.True(e.Execute(new RenameCommand(0, B("a"), B("a"))).IsOk);
        Assert.True(e.Execute(new RenameCommand(0, B("a"), B("b"))).IsOk);
        Assert.Null(e.Get("a"));
        Assert.Equal("v", e.Get("b"));
        Assert.Equal(time.NowMs + 5000, e.GetExpiresAt(0, B("b")));
        Assert.NotEqual(before, e.KeyVersion(0, B("b")));
        e.SAdd("s", "m");
        var nx = e.Execute(new RenameCommand(0, B("b"), B("s"), OnlyIfTargetMissing: true));
        Assert.Equal((ExecStatus.NotPerformed, 0L), (nx.Status, nx.Integer));
        Assert.True(e.Execute(new RenameCommand(0, B("s"), B("b"))).IsOk);
        Assert.Equal(DataType.Set, e.TypeOf(0, B("b")));
        Assert.Equal(-1, e.GetExpiresAt(0, B("b")));
    }

    [Fact]
    public void MSet_replaces_whatever_each_key_held_as_set_does()
    {
        var time = new FakeTime();
        var e = Engine(time, shards: 8);
        var ttl = e.Execute(new SetCommand(0, B("ttl"), B("old"), time.NowMs + 1000, ClientFlags: 7, ContentType: "text/plain"));
        e.SAdd("set", "m");
        var r = e.Execute(new MSetCommand(0, [B("ttl"), B("set"), B("new")], [B("1"), B("2"), B("3")]));
        Assert.Equal(1, r.Integer);
        Assert.Equal(DataType.String, e.TypeOf(0, B("set")));
        Assert.Equal(["1", "2", "3"], e.GetMany(0, [B("ttl"), B("set"), B("new")]).Select(S));
        Assert.Equal(ReadStatus.Found, e.TryGetItem(0, B("ttl"), ItemReadOptions.NoTouch, out var item, out _));
        // A plain write: no expiry, no memcached flags or content type, and a new CAS.
        Assert.Equal((0L, 0u, (string?)null), (item.ExpiresAt, item.ClientFlags, item.ContentType));
        Assert.NotEqual(ttl.Item.Cas, item.Cas);
        time.Advance(2000);
        Assert.Equal("1", e.Get("ttl"));
    }

    [Fact]
    public void MSetNX_is_all_or_nothing()
    {
        var e = Engine(shards: 8);
        e.Set("c", "old");
        var r = e.Execute(new MSetCommand(0, [B("a"), B("b"), B("c")], [B("1"), B("2"), B("3")], OnlyIfNoneExist: true));
        Assert.Equal(0, r.Integer);
        Assert.Equal(0, e.Exists(0, [B("a"), B("b")]));
        Assert.Equal(1, e.Execute(new MSetCommand(0, [B("a"), B("b"), B("c")], [B("1"), B("2"), B("3")])).Integer);
        Assert.Equal(["1", "2", "3"], e.GetMany(0, [B("a"), B("b"), B("c")]).Select(S));
        Assert.Equal(4, e.Exists(0, [B("a"), B("a"), B("b"), B("c")]));
    }

    [Fact]
    public void Hits_and_misses_are_counted_on_reads()
    {
        var e = Engine();
        e.Set("a", "1");
        e.Get("a");
        e.Get("nope");
        e.GetMany(0, [B("a"), B("x")]);
        e.Execute(new GetExCommand(0, B("a"), GetExAction.None));
        var stats = e.GetStats();
        Assert.Equal((3L, 2L), (stats.Hits, stats.Misses));
    }

    [Fact]
    public void GetDel_returns_and_removes()
    {
        var e = Engine();
        e.Set("a", "1");
        Assert.Equal("1", S(e.Execute(new GetDelCommand(0, B("a"))).Value));
        Assert.Null(e.Execute(new GetDelCommand(0, B("a"))).Value);
        Assert.Equal(0, e.DbSize(0));
    }

    [Fact]
    public void Databases_are_isolated()
    {
        var e = Engine();
        e.Set("k", "zero", db: 0);
        e.Set("k", "one", db: 1);
        e.Execute(new FlushDbCommand(0));
        Assert.Null(e.Get("k", 0));
        Assert.Equal("one", e.Get("k", 1));
    }
}
