using Purple.Core.Commands;
using Purple.Actors.Eviction;

namespace Purple.Actors.Storage;

// Approximate LRU/LFU: instead of keeping keys in recency order (a linked list per key would cost 16 more
// bytes per entry and a write on every read), sample a few candidates and evict the worst, as Redis does.
internal sealed partial class Shard
{
    public readonly record struct Candidate(Entry Entry, int Db, ulong Score);

    private readonly List<HashNode> _sampleScratch = [];

    /// <summary>The most evictable of a few sampled keys in scope; false when the shard has none in scope.</summary>
    public bool SampleCandidate(EvictionSettings settings, long now, int samples, out Candidate best)
    {
        best = default;
        bool found = false;
        lock (Gate)
        {
            for (int db = 0; db < _keyspaces.Length; db++)
            {
                var space = _keyspaces[db];
                if (space is null) continue;
                _sampleScratch.Clear();
                if (settings.Scope == EvictionScope.Volatile)
                {
                    int n = Math.Min(samples, space.VolatileCount);
                    // Sampling everything when the index is small keeps tiny keyspaces exact.
                    if (space.VolatileCount <= samples)
                        for (int i = 0; i < n; i++) _sampleScratch.Add(space.VolatileAt(i));
                    else
                        for (int i = 0; i < n; i++) _sampleScratch.Add(space.VolatileAt((int)(Rng.Next() % (uint)space.VolatileCount)));
                }
                else
                {
                    space.Table.Sample(ref Rng, samples, _sampleScratch);
                }
                foreach (var node in _sampleScratch)
                {
                    var entry = (Entry)node;
                    ulong score = EvictionScore(settings.Policy, entry, now);
                    if (!found || score > best.Score)
                    {
                        best = new Candidate(entry, db, score);
                        found = true;
                    }
                }
            }
            _sampleScratch.Clear();
        }
        return found;
    }

    // Higher means a better victim. An already-expired key is the best victim of all.
    private ulong EvictionScore(EvictionPolicy policy, Entry entry, long now)
    {
        if (entry.IsExpired(now)) return ulong.MaxValue;
        return policy == EvictionPolicy.Lfu
            ? 255 - LfuCounter.Decayed(entry.Access, now)
            : unchecked(_engine.LruClock(now) - entry.Access);
    }

    /// <summary>Evicts the candidate if it is still the entry stored under its key (another thread may have replaced it).</summary>
    public bool Evict(Candidate candidate, EvictionPolicy policy, long now)
    {
        lock (Gate)
        {
            var space = _keyspaces[candidate.Db];
            var entry = candidate.Entry;
            if (space is null || !ReferenceEquals(space.Table.Find(entry.Key, HashNode.BucketHash(entry.Key)), entry)) return false;
            if (entry.IsExpired(now))
            {
                Expire(space, entry);
                return true;
            }
            if (policy == EvictionPolicy.Weak) Demote(space, entry);
            else
            {
                Remove(space, entry);
                // A replay does not run eviction (it is not part of Apply), so the removal is recorded as a delete.
                _engine.Journal?.Record(now, new DeleteCommand(candidate.Db, [entry.Key]));
            }
            EvictedKeys++;
            return true;
        }
    }
}
