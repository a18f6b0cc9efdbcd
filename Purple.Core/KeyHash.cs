using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Purple.Core;

/// <summary>
/// Stable 64-bit hash of key bytes (the xxHash64 algorithm, seed 0). Used to pick a shard and a
/// bucket; it must never change between versions or processes because snapshots, SCAN cursors and
/// (later) cluster routing depend on it. <see cref="string.GetHashCode()"/> is randomised per process
/// and therefore never used for keys.
/// </summary>
public static class KeyHash
{
    private const ulong P1 = 11400714785074694791UL;
    private const ulong P2 = 14029467366897019727UL;
    private const ulong P3 = 1609587929392839161UL;
    private const ulong P4 = 9650029242287828579UL;
    private const ulong P5 = 2870177450012600261UL;

    // Too large to be inlined, and called for every key recovery loads: compiled optimized from its first call rather
    // than left at tier 0 through a recovery that ends before tiering catches up (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ulong Hash64(ReadOnlySpan<byte> data)
    {
        int len = data.Length;
        int i = 0;
        ulong h;
        if (len >= 32)
        {
            ulong v1 = unchecked(P1 + P2), v2 = P2, v3 = 0, v4 = unchecked(0 - P1);
            int limit = len - 32;
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i)));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 8)));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 16)));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 24)));
                i += 32;
            } while (i <= limit);
            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) +
                BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = Merge(h, v1); h = Merge(h, v2); h = Merge(h, v3); h = Merge(h, v4);
        }
        else
        {
            h = P5;
        }
        h += (ulong)len;
        while (i + 8 <= len)
        {
            ulong k = Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i)));
            h ^= k;
            h = BitOperations.RotateLeft(h, 27) * P1 + P4;
            i += 8;
        }
        if (i + 4 <= len)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i)) * P1;
            h = BitOperations.RotateLeft(h, 23) * P2 + P3;
            i += 4;
        }
        while (i < len)
        {
            h ^= data[i] * P5;
            h = BitOperations.RotateLeft(h, 11) * P1;
            i++;
        }
        h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong acc, ulong input)
    {
        acc += input * P2;
        acc = BitOperations.RotateLeft(acc, 31);
        return acc * P1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Merge(ulong acc, ulong val)
    {
        acc ^= Round(0, val);
        return acc * P1 + P4;
    }
}
