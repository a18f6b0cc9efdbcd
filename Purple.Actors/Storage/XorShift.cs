namespace Purple.Actors.Storage;

/// <summary>
/// xorshift64* generator. Used wherever the engine needs randomness that must be reproducible from a seed
/// (SPOP's command seed, LFU increments, eviction sampling), so applying a command never touches a shared
/// random source.
/// </summary>
internal struct XorShift
{
    private ulong _state;

    public XorShift(ulong seed)
    {
        // A zero state would stay zero forever.
        _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
    }

    public ulong Next64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    public uint Next() => (uint)(Next64() >> 32);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next64() >> 11) * (1.0 / (1UL << 53));
}
