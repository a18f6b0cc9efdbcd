namespace Purple.Actors.Eviction;

/// <summary>An immutable snapshot swapped as a whole by Reconfigure, so readers never see a torn mix.</summary>
internal sealed record EvictionSettings(long CapacityBytes, EvictionPolicy Policy, EvictionScope Scope);
