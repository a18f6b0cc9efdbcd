using Purple.Actors.Storage;
using Purple.Core.Execution;

namespace Purple.Actors;

/// <summary>
/// A snapshot's image, read while the engine goes on serving (docs/storage.md, "Snapshots while writes go on"). The
/// engine is held only to set the point (<see cref="PurpleEngine.CaptureImage"/>); reading then walks one shard at a
/// time, a slice per hold of its lock, and hands over what the walk and the writes before it took
/// (<c>Shard.Image.cs</c>). Read once, on one thread; <see cref="Dispose"/> ends the capture, read to the end or not.
/// </summary>
internal sealed class EngineImage : StoreImage
{
    /// <summary>Entries looked at per hold of a shard's lock: a few tens of microseconds, so a write waits no longer.</summary>
    private const int StepBudget = 256;

    /// <summary>The same, when an image is dropped before its end and the rest is only marked (cheaper per entry).</summary>
    private const int DiscardBudget = 4096;

    private readonly Shard[] _shards;
    private readonly Action _ended;
    private int _reading;
    private int _disposed;

    public EngineImage(Shard[] shards, long sequence, long takenAt, Action ended) : base(sequence, takenAt)
    {
        _shards = shards;
        _ended = ended;
    }

    public override IEnumerable<ImageEntry> Entries => Interlocked.Exchange(ref _reading, 1) == 0
        ? Read()
        : throw new InvalidOperationException("A store image is read once.");

    private IEnumerable<ImageEntry> Read()
    {
        var spare = new List<ImageEntry>();
        foreach (var shard in _shards)
        {
            bool done;
            do
            {
                List<ImageEntry> batch;
                lock (shard.Gate)
                {
                    ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                    done = shard.ImageStep(StepBudget);
                    batch = shard.TakeImaged(spare);
                }
                for (int i = 0; i < batch.Count; i++) yield return batch[i];
                batch.Clear();
                spare = batch;
            } while (!done);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing || Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Every entry must carry the shard's mark before the next capture flips it again, so the walk runs to its
        // end, marking only.
        foreach (var shard in _shards)
        {
            bool done;
            do
            {
                lock (shard.Gate)
                {
                    shard.DiscardImage();
                    done = shard.ImageStep(DiscardBudget);
                    if (done) shard.EndImage();
                }
            } while (!done);
        }
        _ended();
    }
}
