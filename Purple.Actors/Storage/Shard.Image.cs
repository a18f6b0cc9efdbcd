using System.Runtime.CompilerServices;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors.Storage;

// Durable storage's view of a shard: its part of a snapshot's capture, dropping expired keys after recovery, and a
// key's state as a command for the journal.
//
// A capture does not stop the shard (docs/storage.md, "Snapshots while writes go on"). It starts at a point set with
// every shard held (PurpleEngine.CaptureImage), where the shard flips its mark: from then on an entry whose
// Entry.ImageMark differs from the shard's has not been taken yet. The capture's reader walks the tables a slice at a
// time under the lock, taking every such entry; anything that may change or remove one first takes it as it was
// (CaptureBeforeChange, called by the finds, Remove and Flush); and a key inserted after the point gets the new mark,
// so it is not taken at all. Each key is taken exactly once, as it was at the point.
internal sealed partial class Shard
{
    /// <summary>0 or <see cref="Entry.ImageBit"/>; flipped at each capture's point. Outside a capture every entry has it.</summary>
    private ulong _imageMark;
    private ShardImage _image = ShardImage.Ended;

    /// <summary>Caller holds the <see cref="Gate"/> of every shard: the capture's point.</summary>
    public void BeginImage(ShardImage image)
    {
        _imageMark ^= Entry.ImageBit;
        _image = image;
    }

    /// <summary>Caller holds <see cref="Gate"/>; called once <see cref="ImageStep"/> reported the walk done.</summary>
    public void EndImage() => _image = ShardImage.Ended;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CaptureBeforeChange(Keyspace space, Entry entry)
    {
        if (entry.ImageMark != _imageMark) Capture(space.Db, entry);
    }

    // Out of line: the finds call CaptureBeforeChange on every lookup, and this runs once per key per capture.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Capture(int db, Entry entry)
    {
        entry.ImageMark = _imageMark;
        var image = _image;
        if (!image.Discarding && !entry.IsExpired(image.Now)) image.Taken.Add(ToImage(db, entry));
    }

    /// <summary>
    /// Caller holds <see cref="Gate"/>. Walks on from where the last step stopped, taking every entry not taken yet,
    /// until about <paramref name="budget"/> entries were looked at; true once every keyspace was walked to its end.
    /// </summary>
    public bool ImageStep(int budget)
    {
        var image = _image;
        var walked = image.Walked;
        while (!image.Done && budget > 0)
        {
            if (image.Db == _keyspaces.Length)
            {
                image.Done = true;
                break;
            }
            var space = _keyspaces[image.Db];
            if (space is null)
            {
                image.Db++;
                continue;
            }
            var table = space.Table;
            // The position holds as the table grows but not as it shrinks (HashTable.WalkBuckets). A key present
            // throughout is met at least once; one met twice is taken once, by its mark.
            if (table.BucketCount < image.BucketCount) image.Bucket = 0;
            image.BucketCount = table.BucketCount;
            walked.Clear();
            image.Bucket = table.WalkBuckets(image.Bucket, budget, walked);
            budget -= walked.Count + 1;
            // Asking for every value of the slice before copying any lets those cache misses overlap.
            foreach (var node in walked)
            {
                if (((Entry)node).ImageMark != _imageMark) CachePrefetch.Object(((Entry)node).Value);
            }
            foreach (var node in walked) CaptureBeforeChange(space, (Entry)node);
            walked.Clear();
            if (image.Bucket >= table.BucketCount)
            {
                image.Db++;
                image.Bucket = 0;
                image.BucketCount = 0;
            }
        }
        return image.Done;
    }

    /// <summary>Caller holds <see cref="Gate"/>. Hands over what the capture has taken and keeps <paramref name="spare"/> (empty) for more.</summary>
    public List<ImageEntry> TakeImaged(List<ImageEntry> spare)
    {
        var taken = _image.Taken;
        _image.Taken = spare;
        return taken;
    }

    /// <summary>Caller holds <see cref="Gate"/>. From now on the capture only marks entries (an image not read to its end).</summary>
    public void DiscardImage()
    {
        if (_image.Done) return;
        _image.Discarding = true;
        _image.Taken.Clear();
    }

    private static ImageEntry ToImage(int db, Entry entry) => entry.IsString
        ? new ImageEntry(db, entry.Key, entry.StringForImage(), null, entry.ExpiresAt, entry.ClientFlags, entry.ContentType)
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
            // The decoder's array becomes the entry's own (IRecoverableStore.Load), so the first overwrite after a
            // restart goes in place too.
            entry.Adopt(image.String!, image.ClientFlags, image.ContentType);
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
