using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class ExpiryTests
{
    [Fact]
    public void Expired_key_is_missing_everywhere_and_deleted_lazily()
    {
        var time = new FakeTime();
        var e = Engine(time);
        e.Set("k", "v", time.NowMs + 1000);
        e.Set("other", "v");
        Assert.Equal("v", e.Get("k"));
        time.Advance(1000);
        Assert.Null(e.Get("k"));
        Assert.Equal(0, e.Exists(0, [B("k")]));
        Assert.Equal(DataType.None, e.TypeOf(0, B("k")));
        Assert.Equal(-2, e.GetExpiresAt(0, B("k")));
        Assert.Equal(["other"], e.Keys(0, B("*")).Select(S));
        Assert.Equal(1, e.DbSize(0));
        Assert.Equal(1, e.GetStats().ExpiredKeys);
    }

    [Fact]
    public void Active_sweep_deletes_expired_keys_nobody_touches()
    {
        var time = new FakeTime();
        var e = new PurpleEngine(new EngineOptions { Time = time, Shards = 2, ActiveExpiryHz = 50 });
        e.Start();
        try
        {
            for (int i = 0; i < 100; i++) e.Set("k" + i, "v", time.NowMs + 500);
            for (int i = 0; i < 10; i++) e.Set("keep" + i, "v");
            time.Advance(501);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (e.DbSize(0) > 10 && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.Equal(10, e.DbSize(0));
            Assert.Equal(100, e.GetStats().ExpiredKeys);
            Assert.Equal(0, e.GetStats().ExpiresPerDb[0]);
        }
        finally
        {
            e.DisposeAsync().AsTask().Wait();
        }
    }

    [Fact]
    public void Expire_in_the_past_deletes_and_returns_one()
    {
        var time = new FakeTime();
        var e = Engine(time);
        e.Set("k", "v");
        var r = e.Execute(new ExpireCommand(0, B("k"), time.NowMs - 1));
        Assert.Equal(1, r.Integer);
        Assert.Null(e.Get("k"));
        Assert.Equal(0, e.Execute(new ExpireCommand(0, B("k"), time.NowMs + 10)).Integer);
    }

    [Fact]
    public void Expire_conditions_follow_redis_7()
    {
        var time = new FakeTime();
        var e = Engine(time);
        long t = time.NowMs;
        e.Set("k", "v");
        Assert.Equal(0, e.Execute(new ExpireCommand(0, B("k"), t + 100, ExpireCondition.XX)).Integer);
        Assert.Equal(0, e.Execute(new ExpireCommand(0, B("k"), t + 100, ExpireCondition.GT)).Integer); // no TTL = infinite
        Assert.Equal(0, e.Execute(new ExpireCommand(0, B("k"), t + 100, ExpireCondition.XXLT)).Integer); // XX: needs a TTL
        Assert.Equal(1, e.Execute(new ExpireCommand(0, B("k"), t + 100, ExpireCondition.LT)).Integer);
        Assert.Equal(0, e.Execute(new ExpireCommand(0, B("k"), t + 120, ExpireCondition.XXLT)).Integer);
        Assert.Equal(1, e.Execute(new ExpireCommand(0, B("k"), t + 90, ExpireCondition.XXLT)).Integer);
        Assert.Equal(0, e.Execute(new ExpireCommand(0, B("k"), t + 200, ExpireCondition.NX)).Integer);
        Assert.Equal(1, e.Execute(new ExpireCommand(0, B("k"), t + 200, ExpireCondition.GT)).Integer);
        Assert.Equal(0, e.Execute(new ExpireCommand(0, B("k"), t + 150, ExpireCondition.GT)).Integer);
        Assert.Equal(1, e.Execute(new ExpireCommand(0, B("k"), t + 150, ExpireCondition.XX)).Integer);
        Assert.Equal(t + 150, e.GetExpiresAt(0, B("k")));
        Assert.Equal(1, e.Execute(new PersistCommand(0, B("k"))).Integer);
        Assert.Equal(0, e.Execute(new PersistCommand(0, B("k"))).Integer);
        Assert.Equal(-1, e.GetExpiresAt(0, B("k")));
    }

    [Fact]
    public void Ttl_changes_bump_cas_and_keepttl_keeps_it()
    {
        var time = new FakeTime();
        var e = Engine(time);
        ulong cas1 = e.Set("k", "v", time.NowMs + 5000).Item.Cas;
        e.Execute(new ExpireCommand(0, B("k"), time.NowMs + 9000));
        ulong cas2 = e.KeyVersion(0, B("k"));
        Assert.NotEqual(cas1, cas2);
        var r = e.Execute(new SetCommand(0, B("k"), B("w"), Options: SetOptions.KeepTtl));
        Assert.Equal(time.NowMs + 9000, r.Item.ExpiresAt);
        Assert.NotEqual(cas2, r.Item.Cas);
    }

    [Fact]
    public void GetEx_reads_then_changes_expiry()
    {
        var time = new FakeTime();
        var e = Engine(time);
        e.Set("k", "v");
        var r = e.Execute(new GetExCommand(0, B("k"), GetExAction.SetExpiry, time.NowMs + 100));
        Assert.Equal("v", S(r.Value));
        Assert.Equal(time.NowMs + 100, r.Item.ExpiresAt);
        r = e.Execute(new GetExCommand(0, B("k"), GetExAction.Persist));
        Assert.Equal(0, r.Item.ExpiresAt);
        r = e.Execute(new GetExCommand(0, B("k"), GetExAction.SetExpiry, time.NowMs - 1));
        Assert.Equal("v", S(r.Value));
        Assert.Null(e.Get("k"));
        Assert.Null(e.Execute(new GetExCommand(0, B("k"), GetExAction.None)).Value);
    }

    [Fact]
    public void Set_with_past_expiry_removes_the_old_value()
    {
        var time = new FakeTime();
        var e = Engine(time);
        e.Set("k", "v");
        Assert.True(e.Set("k", "w", time.NowMs - 5).IsOk);
        Assert.Null(e.Get("k"));
        Assert.Equal(0, e.UsedBytes);
    }
}
