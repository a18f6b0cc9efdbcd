using Purple.Actors.Storage;

namespace Purple.Actors.Eviction;

/// <summary>
/// Redis's LFU: an 8-bit logarithmic counter in the low bits of <see cref="Entry.Access"/> and the minute of the
/// last access in the 16 bits above it. The counter grows with probability 1/((c−5)·factor+1), so 255 means
/// roughly a million hits at factor 10, and loses one point per <see cref="DecayMinutes"/> of idleness, so old
/// popularity fades. Bits 24–29 hold the second within that minute: decay ignores them, they only make the
/// last access time (memcached mg l, me la) exact to the second.
/// </summary>
internal static class LfuCounter
{
    public const int LogFactor = 10;
    public const int DecayMinutes = 1;
    public const uint InitialValue = 5;

    public static uint Minutes(long nowMs) => (uint)(nowMs / 60_000) & 0xFFFF;

    private static uint Stamp(long nowMs) => ((uint)(nowMs / 1000 % 60) << 24) | (Minutes(nowMs) << 8);

    public static uint Initial(long nowMs) => Stamp(nowMs) | InitialValue;

    /// <summary>The counter after time decay, without storing it (what eviction compares).</summary>
    public static uint Decayed(uint access, long nowMs)
    {
        uint counter = access & 0xFF;
        uint last = (access >> 8) & 0xFFFF;
        uint now = Minutes(nowMs);
        uint elapsed = now >= last ? now - last : 0xFFFF - last + now;
        uint periods = elapsed / DecayMinutes;
        return periods > counter ? 0 : counter - periods;
    }

    public static uint Touch(uint access, long nowMs, ref XorShift rng)
    {
        uint counter = Decayed(access, nowMs);
        if (counter < 255)
        {
            double baseValue = counter > InitialValue ? counter - InitialValue : 0;
            if (rng.NextDouble() < 1.0 / (baseValue * LogFactor + 1)) counter++;
        }
        return Stamp(nowMs) | counter;
    }

    /// <summary>Unix ms of the last access, to the second (exact for accesses less than 45 days ago, the minute stamp's wrap).</summary>
    public static long LastAccessMs(uint access, long nowMs)
    {
        uint elapsedMinutes = (Minutes(nowMs) - ((access >> 8) & 0xFFFF)) & 0xFFFF;
        long at = (nowMs / 60_000 - elapsedMinutes) * 60_000 + (access >> 24) * 1000L;
        return Math.Min(at, nowMs);
    }
}
