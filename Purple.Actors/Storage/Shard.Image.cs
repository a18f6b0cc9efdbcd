using System.Runtime.CompilerServices;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors.Storage;

// Durable storage's view of a shard: copying live entries for a snapshot, dropping expired ones after recovery, and
// a key's state as a command for the journal. The copy runs with every shard held (PurpleEngine.CaptureImage).
internal sealed partial class Shard
{
    /// <summary>Under <see cref="Gate"/> an upper bound of the live keys; without it (sizing the image's list before the
    /// capture) only an estimate.</summary>
    public long LiveKeyCountUpperBound()
    {
        long count = 0;
        foreach (var space in _keyspaces) count += space?.Table.Count ?? 0;
        return count;
    }

    /// <summary>Caller holds <see cref="Gate"/>. Expired entries are skipped, not removed: the copy must not write.</summary>
    public void CopyLiveEntries(long now, List<ImageEntry> output)
    {
        for (int db = 0; db < _keyspaces.Length; db++)
        {
            var space = _keyspaces[db];
            if (space is null) continue;
            // Each entry's value is fetched ahead too: ToImage reads its type, another miss, so an entry is copied only
            // once the eight after it were found and their values asked for (the engine is stopped meanwhile).
            var behind = new Entry?[ImageWindow];
            int seen = 0;
            foreach (var node in space.Table)
            {
                var entry = (Entry)node;
                CachePrefetch.Object(entry.Value);
                ref Entry? slot = ref behind[seen++ & (ImageWindow - 1)];
                if (slot is not null) CopyLive(db, slot, now, output);
                slot = entry;
            }
            for (int i = Math.Max(0, seen - ImageWindow); i < seen; i++)
            {
                CopyLive(db, behind[i & (ImageWindow - 1)]!, now, output);
            }
        }
    }

    private const int ImageWindow = 8;

    private static void CopyLive(int db, Entry entry, long now, List<ImageEntry> output)
    {
        if (!entry.IsExpired(now)) output.Add(ToImage(db, entry));
    }

    private static ImageEntry ToImage(int db, Entry entry) => entry.IsString
        ? new ImageEntry(db, entry.Key, entry.ShareString(), null, entry.ExpiresAt, entry.ClientFlags, entry.ContentType)
        : new ImageEntry(db, entry.Key, null, entry.SetValue.ToArray(), entry.ExpiresAt, 0, null);

    /// <summary>Caller holds <see cref="Gate"/>. A snapshot entry stored as it is, replacing the key if present.</summary>
    // Recovery-only, and called a million times before tiering could promote it (see PurpleEngine.Load).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Load(in ImageEntry image, uint hash, long now)
    {
        var space = SpaceForWrite(image.Db);
        if (FindForWrite(space, image.Key, hash, now) is { } existing) Remove(space, existing);
        Entry entry;
        if (image.Members is { } members)
        {
            var set = new MemberSet();
            foreach (var member in members) set.Add(member);
            if (set.Count == 0) return;
            entry = NewEntry(image.Key, set, now);
        }
        else
        {
            entry = NewEntry(image.Key, image.String!, now);
            entry.SetString(image.String!, image.ClientFlags, image.ContentType);
        }
        // Before Insert, which indexes the expiry and charges the memory of the entry as it is.
        entry.ExpiresAt = image.ExpiresAt;
        Insert(space, entry, hash);
    }

    public long RemoveAllExpired(long now)
    {
        long removed = 0;
        lock (Gate)
        {
            foreach (var space in _keyspaces)
            {
                if (space is null) continue;
                for (int i = space.VolatileCount - 1; i >= 0; i--)
                {
                    // Expire swaps the last indexed entry into i, which this downward walk has already seen.
                    if (i >= space.VolatileCount) continue;
                    var entry = space.VolatileAt(i);
                    if (!entry.IsExpired(now)) continue;
                    Expire(space, entry);
                    removed++;
                }
            }
        }
        return removed;
    }

    /// <summary>
    /// Caller holds <see cref="Gate"/>. The key as it is now, as the write that recreates it: a string with its expiry
    /// and metadata, or a delete when it is gone (only strings take CAS-conditioned writes).
    /// </summary>
    public WriteCommand StateAsCommand(int db, byte[] key, uint hash, long now)
    {
        var entry = _keyspaces[db] is { } space ? (Entry?)space.Table.Find(key, hash) : null;
        if (entry is null || entry.IsExpired(now) || !entry.IsString) return new DeleteCommand(db, [key]);
        return new SetCommand(db, key, entry.ShareString(), entry.ExpiresAt, ClientFlags: entry.ClientFlags, ContentType: entry.ContentType);
    }
}
