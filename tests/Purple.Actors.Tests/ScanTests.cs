using Purple.Core;
using Purple.Core.Commands;
using static Purple.Actors.Tests.T;

namespace Purple.Actors.Tests;

public class ScanTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(4, true)]
    [InlineData(16, false)]
    public void Scan_returns_every_key_present_throughout_despite_growth_and_shrink_between_calls(int shards, bool grow)
    {
        var e = Engine(shards: shards);
        var stable = Enumerable.Range(0, 300).Select(i => "stable" + i).ToHashSet();
        foreach (var key in stable) e.Set(key, "v");
        var churn = Enumerable.Range(0, 3000).Select(i => "churn" + i).ToList();
        if (!grow) foreach (var key in churn) e.Set(key, "v");

        var seen = new HashSet<string>();
        ulong cursor = 0;
        int calls = 0, churned = 0;
        do
        {
            var batch = new List<byte[]>();
            cursor = e.Scan(0, cursor, B("*"), 10, DataType.None, batch);
            seen.UnionWith(batch.Select(S));
            // Between calls, add (or remove) many keys so tables resize under the cursor.
            for (int i = 0; i < 40 && churned < churn.Count; i++, churned++)
            {
                if (grow) e.Set(churn[churned], "v");
                else e.Execute(new DeleteCommand(0, [B(churn[churned])]));
            }
            Assert.True(++calls < 100_000);
        } while (cursor != 0);
        Assert.Subset(seen, stable);
    }

    [Fact]
    public void Scan_applies_pattern_and_type_filter_and_skips_expired_keys()
    {
        var time = new FakeTime();
        var e = Engine(time);
        e.Set("user:1", "v");
        e.Set("user:2", "v", time.NowMs + 10);
        e.SAdd("user:set", "m");
        e.Set("other", "v");
        time.Advance(10);
        var strings = ScanAll(e, "user:*", DataType.String);
        Assert.Equal(["user:1"], strings);
        Assert.Equal(["user:set"], ScanAll(e, "*", DataType.Set));
        Assert.Equal(["other", "user:1", "user:set"], ScanAll(e, "*", DataType.None));
        Assert.Equal(["other", "user:1", "user:set"], e.Keys(0, B("*")).Select(S).Order());
        Assert.Empty(ScanAll(e, "*", DataType.None, db: 3));
    }

    private static List<string> ScanAll(PurpleEngine e, string pattern, DataType type, int db = 0)
    {
        var output = new List<byte[]>();
        ulong cursor = 0;
        do cursor = e.Scan(db, cursor, B(pattern), 3, type, output); while (cursor != 0);
        return [.. output.Select(S).Distinct().Order()];
    }

    [Fact]
    public void SetScan_returns_every_member_present_throughout_despite_resizes()
    {
        var e = Engine();
        var stable = Enumerable.Range(0, 200).Select(i => "s" + i).ToArray();
        e.SAdd("set", stable);
        var seen = new HashSet<string>();
        ulong cursor = 0;
        int round = 0;
        do
        {
            var batch = new List<byte[]>();
            Assert.Equal(Purple.Core.Execution.ReadStatus.Found, e.SetScan(0, B("set"), cursor, B("*"), 5, batch, out cursor));
            seen.UnionWith(batch.Select(S));
            // Grow the set for a while, then shrink it back, between calls.
            var churn = Enumerable.Range(0, 50).Select(i => $"c{round}_{i}").ToArray();
            if (round < 20) e.SAdd("set", churn);
            else e.Execute(new SRemCommand(0, B("set"), [.. Enumerable.Range(0, 50).Select(i => B($"c{round - 20}_{i}"))]));
            round++;
        } while (cursor != 0);
        Assert.Subset(seen, stable.ToHashSet());
    }

    [Fact]
    public void SetScan_matches_patterns()
    {
        var e = Engine();
        e.SAdd("set", "apple", "avocado", "banana");
        var output = new List<byte[]>();
        ulong cursor = 0;
        do e.SetScan(0, B("set"), cursor, B("a*"), 1, output, out cursor); while (cursor != 0);
        Assert.Equal(["apple", "avocado"], output.Select(S).Distinct().Order());
    }
}
