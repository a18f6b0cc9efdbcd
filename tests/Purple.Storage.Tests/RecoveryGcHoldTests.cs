using System.Runtime;

namespace Purple.Storage.Tests;

/// <summary>The GC mode is process-wide: these tests run alone so no other test's allocations end the region under them.</summary>
[CollectionDefinition(nameof(RecoveryGcHoldTests), DisableParallelization = true)]
public sealed class RecoveryGcHoldCollection;

[Collection(nameof(RecoveryGcHoldTests))]
public class RecoveryGcHoldTests
{
    [Fact]
    public void Holds_collections_off_until_disposed_and_a_second_hold_is_a_no_op()
    {
        using (var hold = RecoveryGcHold.Start(256L << 20))
        {
            Assert.True(hold.Held);
            int before = GC.CollectionCount(0); // starting the region collects once

            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            var kept = new List<byte[]>();
            for (int i = 0; i < 10_000; i++) kept.Add(new byte[1000]); // ~10 MB, inside the budget
            Assert.Equal(before, GC.CollectionCount(0));
            using var nested = RecoveryGcHold.Start(256L << 20);
            Assert.False(nested.Held);
            GC.KeepAlive(kept);
        }
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void A_spent_budget_or_none_ends_quietly()
    {
        using (var hold = RecoveryGcHold.Start(16L << 20))
        {
            Assert.True(hold.Held);
            var kept = new List<byte[]>();
            for (int i = 0; i < 64; i++) kept.Add(new byte[1 << 20]); // 64 MB: past the budget, the runtime collects again
            Assert.False(hold.Held);
            GC.KeepAlive(kept);
        }
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        using var none = RecoveryGcHold.Start(0);
        Assert.False(none.Held);
    }
}
