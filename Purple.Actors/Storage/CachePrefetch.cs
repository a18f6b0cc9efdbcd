using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Purple.Actors.Storage;

/// <summary>
/// Software prefetch for commands over many keys. A lookup is a chain of dependent cache misses (bucket slot →
/// entry → key and value arrays); walked key by key they are paid one after the other, while asking for every
/// key's next level first lets the memory system fetch them together (docs/performance.md, "MSET").
/// A prefetch is only a hint and never faults, so an address the GC has just moved costs a wasted fetch, nothing else.
/// </summary>
internal static unsafe class CachePrefetch
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void At<T>(ref T location)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Object(object? target)
    {
        if (target is not null && Sse.IsSupported) Sse.Prefetch0(*(void**)Unsafe.AsPointer(ref target));
    }
}
