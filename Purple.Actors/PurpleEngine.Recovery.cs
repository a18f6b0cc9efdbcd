using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Purple.Actors.Storage;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Actors;

// What durable storage needs from the engine (docs/storage.md): replay, a consistent image for snapshots, and the
// journal form of writes whose outcome depends on state a replay does not reproduce.
public sealed partial class PurpleEngine : IRecoverableStore
{
    public ExecResult Replay(WriteCommand command, long now)
    {
        ArgumentNullException.ThrowIfNull(command);
        // A replayed command was decoded for this call alone, so a string keeps the decoder's array instead of a copy
        // of it: copying every value of a million-record journal cost recovery ~12 % (docs/performance.md, recovery).
        return command switch
        {
            SetCommand c => OnKey(c, c.Key, now, static (shard, c, hash, now) => shard.Set(c, hash, now, adoptValue: true)),
            MSetCommand c => MSet(c, now, adoptValues: true),
            _ => Apply(command, now),
        };
    }

    // How far apart the stages of a replay's lookahead are: far enough that a few writes' fetches overlap the current
    // one's work, near enough that what they fetched is still in cache when its turn comes.
    private const int ReplayLookahead = 8;

    // Writes whose routes are kept, from the one computed furthest ahead to the one applied: a power of two.
    private const int ReplayRouteRing = 32;

    /// <remarks>
    /// A replayed write's data is mostly not in this core's cache: its command and key were decoded on the reader's
    /// thread, and its bucket slot, the chain's first entry and that entry's key are in the tables. Each needs the one
    /// before it, so one write at a time pays five misses in a row. Instead each stage runs a fixed distance ahead:
    /// the command is asked for five distances ahead, its key four, the key's hash computed and its bucket slot asked
    /// for three, the chain's first entry two, and that entry's key and value one (docs/performance.md, "Replay with
    /// lookahead").
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Replay(ReadOnlySpan<RecordedWrite> writes)
    {
        const int L = ReplayLookahead, Mask = ReplayRouteRing - 1;
        var routes = new ReplayRoute[ReplayRouteRing];
        // The first writes are before where the route stage starts: theirs are made here, without the fetches ahead.
        for (int j = 0; j < Math.Min(3 * L, writes.Length); j++) routes[j] = RouteOf(writes[j].Command);
        for (int i = 0; i < writes.Length; i++)
        {
            if (i + 5 * L < writes.Length) CachePrefetch.Object(writes[i + 5 * L].Command);
            if (i + 4 * L < writes.Length) CachePrefetch.Object(KeyOf(writes[i + 4 * L].Command));
            if (i + 3 * L < writes.Length)
            {
                var route = routes[(i + 3 * L) & Mask] = RouteOf(writes[i + 3 * L].Command);
                if (route.Shard is not null) PrefetchStep(route.Shard, route.Db, route.Hash, 0);
            }
            if (i + 2 * L < writes.Length && routes[(i + 2 * L) & Mask] is { Shard: { } second } r2) PrefetchStep(second, r2.Db, r2.Hash, 1);
            if (i + L < writes.Length && routes[(i + L) & Mask] is { Shard: { } third } r3) PrefetchStep(third, r3.Db, r3.Hash, 2);
            Replay(writes[i].Command, writes[i].Now);
        }
    }

    private readonly record struct ReplayRoute(Shard? Shard, int Db, uint Hash);

    private ReplayRoute RouteOf(WriteCommand command)
    {
        if (KeyOf(command) is not { } key || (uint)command.Db >= (uint)Databases) return default;
        var (shard, hash) = Route(key);
        return new ReplayRoute(shard, command.Db, hash);
    }

    /// <summary>The key of a one-key write that replays often enough to be worth fetching ahead, or null.</summary>
    private static byte[]? KeyOf(WriteCommand command) => command switch
    {
        SetCommand c => c.Key,
        IncrByCommand c => c.Key,
        SAddCommand c => c.Key,
        AppendCommand c => c.Key,
        ExpireCommand c => c.Key,
        _ => null,
    };

    private int _imageRunning;

    public StoreImage CaptureImage(Func<long> atPoint)
    {
        ArgumentNullException.ThrowIfNull(atPoint);
        // Two at once would flip the marks twice (Shard.Image.cs); durable storage takes one at a time.
        if (Interlocked.Exchange(ref _imageRunning, 1) != 0) throw new InvalidOperationException("A store image is already being taken.");
        var parts = new ShardImage[_shards.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = new ShardImage();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return Atomically(() =>
            {
                long sequence = atPoint();
                long now = Now();
                for (int i = 0; i < _shards.Length; i++)
                {
                    parts[i].Now = now;
                    _shards[i].BeginImage(parts[i]);
                }
                return new EngineImage(_shards, sequence, now, () => Volatile.Write(ref _imageRunning, 0))
                {
                    Held = System.Diagnostics.Stopwatch.GetElapsedTime(start),
                };
            });
        }
        catch
        {
            Volatile.Write(ref _imageRunning, 0);
            throw;
        }
    }

    // Recovery calls it up to millions of times within a second or two, mostly before tiered compilation would have
    // replaced its first, unoptimized code (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Load(IReadOnlyList<ImageEntry> entries, long now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries is List<ImageEntry> list)
        {
            // Not through IEnumerable: its enumerator is generic code still at tier 0 while recovery runs.
            foreach (ref readonly var entry in CollectionsMarshal.AsSpan(list)) Load(entry, now);
        }
        else
        {
            for (int i = 0; i < entries.Count; i++) Load(entries[i], now);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Load(in ImageEntry entry, long now)
    {
        var (shard, hash) = Route(entry.Key);
        lock (shard.Gate) shard.Load(entry, hash, now);
    }

    public long RemoveExpired()
    {
        long now = Now();
        long removed = 0;
        foreach (var shard in _shards) removed += shard.RemoveAllExpired(now);
        return removed;
    }

    /// <summary>
    /// What the journal records for a write just applied under its key's lock. A CAS is a counter a replay does not
    /// reproduce (writes to different shards take numbers in an order the journal does not keep), so a command
    /// conditioned on one is recorded as its effect — the key as the command left it — and not at all when it
    /// changed nothing. Every other command is deterministic given the state, and is recorded as it is.
    /// </summary>
    private static WriteCommand? JournalForm(Shard shard, WriteCommand command, byte[] key, uint hash, ExecResult result, long now)
    {
        bool casConditioned = command is SetCommand { Condition: SetCondition.IfCasMatches or SetCondition.IfCasMatchesOrStale }
            or InvalidateCommand { CompareCas: true };
        if (!casConditioned) return command;
        if (result.Status != ExecStatus.Ok) return null;
        return shard.StateAsCommand(command.Db, key, hash, now);
    }
}
