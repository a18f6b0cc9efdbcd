using Purple.Actors.Storage;

namespace Purple.Actors.Eviction;

/// <summary>
/// Redis's LFU: an 8-bit logarithmic counter in the low bits of <see cref="Entry.Access"/> and the minute of the
/// last decrement in the 16 bits above it. The counter grows with probability 1/((c−5)·factor+1), so 255 means
/// roughly a million hits at factor 10, and loses one point per <see cref="DecayMinutes"/> of idleness, so old
/// popularity fades.
/// </summary>
internal static class LfuCounter
{
    public const int LogFactor = 10;
    public const int DecayMinutes = 1;
    public const uint InitialValue = 5;

    public static uint Minutes(long nowMs) => (uint)(nowMs / 60_000) & 0xFFFF;

    public static uint Initial(long nowMs) => (Minutes(nowMs) << 8) | InitialValue;

    /// <summary>The counter after time decay, without storing it (what eviction compares).</summary>
    public static uint Decayed(uint access, long nowMs)
    {
        uint counter = access & 0xFF;
        uint last = access >> 8;
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
        return (Minutes(nowMs) << 8) | counter;
    }
}
