using System.Diagnostics;

namespace Purple.Actors.Storage;

// Redis's active expiry cycle, per shard: sample keys that have a TTL, delete the expired ones, and go again
// only while the sample suggests more than a quarter of them are expired — bounded by a time budget so a
// shard full of expired keys cannot stall its writers.
internal sealed partial class Shard
{
    private const int SweepSample = 20;

    public int SweepExpired(long now, long budgetTicks)
    {
        long started = Stopwatch.GetTimestamp();
        int deleted = 0;
        lock (Gate)
        {
            foreach (var space in _keyspaces)
            {
                if (space is null) continue;
                int expired;
                int sampled;
                do
                {
                    sampled = Math.Min(SweepSample, space.VolatileCount);
                    expired = 0;
                    for (int i = 0; i < sampled && space.VolatileCount > 0; i++)
                    {
                        var entry = space.VolatileAt((int)(Rng.Next() % (uint)space.VolatileCount));
                        if (!entry.IsExpired(now)) continue;
                        Expire(space, entry);
                        expired++;
                    }
                    deleted += expired;
                    if (Stopwatch.GetTimestamp() - started > budgetTicks) return deleted;
                } while (sampled > 0 && expired * 4 > sampled);
            }
        }
        return deleted;
    }
}
