using System.Diagnostics;
using Purple.Actors.Eviction;
using Purple.Actors.Storage;

namespace Purple.Actors;

// Capacity enforcement (Redis's performEvictions): before a write, while over capacity, sample a few shards,
// evict the best candidate found, and repeat. Runs on the writer's thread with at most one shard lock held at
// a time (all of them, re-entrantly, inside Atomically), so it cannot deadlock with multi-key commands.
public sealed partial class PurpleEngine
{
    private const int ShardsSampledPerRound = 4;
    private int _evictionStart;

    /// <summary>True when usage is within capacity, evicting first if the policy allows; false is the OOM condition.</summary>
    private bool EnsureCapacity(long now, long budgetTicks = long.MaxValue)
    {
        var settings = Settings;
        if (UsedBytes <= settings.CapacityBytes) return true;
        if (settings.Policy == EvictionPolicy.None) return false;
        long started = Stopwatch.GetTimestamp();
        while (UsedBytes > settings.CapacityBytes)
        {
            if (!EvictOne(settings, now)) return false;
            if (Stopwatch.GetTimestamp() - started > budgetTicks) break;
        }
        return UsedBytes <= settings.CapacityBytes;
    }

    /// <summary>One eviction round; false when no shard has a key in scope.</summary>
    private bool EvictOne(EvictionSettings settings, long now)
    {
        int start = (int)((uint)Interlocked.Increment(ref _evictionStart) & _shardMask);
        int sampledShards = 0;
        Shard.Candidate best = default;
        Shard? bestShard = null;
        for (int i = 0; i < _shards.Length && sampledShards < ShardsSampledPerRound; i++)
        {
            var shard = _shards[(start + i) & (int)_shardMask];
            if (!shard.SampleCandidate(settings, now, EvictionSamples, out var candidate)) continue;
            sampledShards++;
            if (bestShard is null || candidate.Score > best.Score)
            {
                best = candidate;
                bestShard = shard;
            }
        }
        if (bestShard is null) return false;
        // Losing a race (the key changed after sampling) is not failure: the caller loops and samples again.
        bestShard.Evict(best, settings.Policy, now);
        return true;
    }
}
