using Purple.Actors.Storage;
using Purple.Core;

namespace Purple.Actors;

// Whole-keyspace reads. These lock one shard at a time, so a long KEYS never stalls the other shards;
// the price is that KEYS is not a snapshot across shards (each shard's part of it is).
public sealed partial class PurpleEngine
{
    public List<byte[]> Keys(int db, ReadOnlySpan<byte> pattern)
    {
        long now = Now();
        bool all = GlobPattern.IsMatchAll(pattern);
        var keys = new List<byte[]>();
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                var space = shard.Space(db);
                if (space is null) continue;
                foreach (var node in space.Table)
                {
                    if (((Entry)node).IsExpired(now)) continue;
                    if (all || GlobPattern.Matches(pattern, node.Key)) keys.Add(node.Key);
                }
            }
        }
        return keys;
    }

    /// <summary>
    /// The cursor is <c>bucketCursor &lt;&lt; shardBits | shard</c>: shards are walked in index order, each with
    /// its own reverse-binary bucket cursor (see <see cref="HashTable.ScanStep"/>); cursor 0 of shard 0 is the
    /// start, and 0 is returned after the last shard's last bucket.
    /// </summary>
    public ulong Scan(int db, ulong cursor, ReadOnlySpan<byte> pattern, int count, DataType typeFilter, List<byte[]> output)
    {
        long now = Now();
        count = Math.Max(count, 1);
        int shardIndex = (int)(cursor & _shardMask);
        uint bucketCursor = (uint)(cursor >> _shardBits);
        bool all = GlobPattern.IsMatchAll(pattern);
        var visited = new List<HashNode>();
        int examined = 0;
        // Like Redis, bound the buckets visited per call so a sparse table still returns promptly.
        long budget = (long)count * 10;
        while (examined < count && budget-- > 0)
        {
            var shard = _shards[shardIndex];
            lock (shard.Gate)
            {
                var space = shard.Space(db);
                bucketCursor = space is null || space.Table.Count == 0 ? 0 : space.Table.ScanStep(bucketCursor, visited);
            }
            foreach (var node in visited)
            {
                var entry = (Entry)node;
                examined++;
                if (entry.IsExpired(now)) continue;
                if (typeFilter != DataType.None && (entry.IsString ? DataType.String : DataType.Set) != typeFilter) continue;
                if (all || GlobPattern.Matches(pattern, node.Key)) output.Add(node.Key);
            }
            visited.Clear();
            if (bucketCursor == 0)
            {
                if (++shardIndex == _shards.Length) return 0;
            }
        }
        return ((ulong)bucketCursor << _shardBits) | (uint)shardIndex;
    }

    /// <summary>Keys stored in <paramref name="db"/>. Like Redis's DBSIZE this includes expired keys not yet swept.</summary>
    public long DbSize(int db)
    {
        long total = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Gate) total += shard.KeyCount(db);
        }
        return total;
    }
}
