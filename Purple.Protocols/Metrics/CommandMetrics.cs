using System.Collections.Concurrent;
using System.Diagnostics;

namespace Purple.Protocols.Metrics;

/// <summary>
/// Calls and latency per command of one protocol, aggregated in place: a histogram of fixed buckets per command,
/// striped by processor so two cores running the same command do not share a cache line. Recording costs one
/// clock read and two uncontended atomic adds; nothing allocates. Readers sum the stripes (slightly stale is fine).
/// </summary>
public sealed class CommandMetrics
{
    /// <summary>Bucket upper bounds in seconds (Prometheus's le), from 25 µs — a cached read — to 2.5 s.</summary>
    public static readonly double[] BucketBounds =
        [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private static readonly long[] BoundTicks = BucketBounds.Select(b => (long)(b * Stopwatch.Frequency)).ToArray();

    // Per command: one count per bound, one for +Inf, then the sum of durations in Stopwatch ticks.
    private const int Stride = 18;
    private const int SumIndex = Stride - 1;

    private readonly long[][] _stripes;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly string[] _names;
    private int _count;

    /// <param name="protocol">The protocol label (resp, memcached, http, grpc).</param>
    /// <param name="capacity">The most commands this protocol will name; more names share the slot "other".</param>
    /// <param name="known">Names given slots 0, 1, 2… in this order, so a protocol's own command index is its slot.</param>
    public CommandMetrics(string protocol, int capacity, IEnumerable<string>? known = null)
    {
        Protocol = protocol;
        _capacity = capacity + 1;
        _names = new string[_capacity];
        int stripes = Math.Min(Environment.ProcessorCount, 16);
        _stripes = new long[stripes][];
        for (int i = 0; i < stripes; i++) _stripes[i] = new long[_capacity * Stride];
        foreach (var name in known ?? []) SlotFor(name);
        OtherSlot = SlotFor("other");
    }

    public string Protocol { get; }

    private int OtherSlot { get; }

    /// <summary>The slot of a command name, added on first use; "other" once the capacity is reached.</summary>
    public int SlotFor(string command)
    {
        if (_slots.TryGetValue(command, out int slot)) return slot;
        lock (_slots)
        {
            if (_slots.TryGetValue(command, out slot)) return slot;
            if (_count == _capacity) return OtherSlot;
            slot = _count;
            _names[slot] = command;
            _slots[command] = slot;
            Volatile.Write(ref _count, _count + 1);
            return slot;
        }
    }

    /// <summary>Records one call of the command in <paramref name="slot"/> that started at <paramref name="startTimestamp"/>.</summary>
    public void Record(int slot, long startTimestamp) => RecordTicks(slot, Stopwatch.GetTimestamp() - startTimestamp);

    public void RecordTicks(int slot, long ticks)
    {
        var stripe = _stripes[Thread.GetCurrentProcessorId() % _stripes.Length];
        int bucket = 0;
        while (bucket < BoundTicks.Length && ticks > BoundTicks[bucket]) bucket++;
        int at = slot * Stride;
        Interlocked.Increment(ref stripe[at + bucket]);
        Interlocked.Add(ref stripe[at + SumIndex], ticks);
    }

    /// <summary>Every command called at least once: cumulative bucket counts (Prometheus's), count and sum in seconds.</summary>
    public IEnumerable<CommandStats> Read()
    {
        int count = Volatile.Read(ref _count);
        var buckets = new long[BucketBounds.Length + 1];
        for (int slot = 0; slot < count; slot++)
        {
            Array.Clear(buckets);
            long sumTicks = 0;
            int at = slot * Stride;
            foreach (var stripe in _stripes)
            {
                for (int b = 0; b < buckets.Length; b++) buckets[b] += Volatile.Read(ref stripe[at + b]);
                sumTicks += Volatile.Read(ref stripe[at + SumIndex]);
            }
            long total = 0;
            var cumulative = new long[buckets.Length];
            for (int b = 0; b < buckets.Length; b++) cumulative[b] = total += buckets[b];
            if (total == 0) continue;
            yield return new CommandStats(_names[slot], cumulative, total, (double)sumTicks / Stopwatch.Frequency);
        }
    }
}

/// <param name="CumulativeBuckets">Calls at or under each of <see cref="CommandMetrics.BucketBounds"/>, then all calls (+Inf).</param>
public sealed record CommandStats(string Command, long[] CumulativeBuckets, long Count, double SumSeconds);
