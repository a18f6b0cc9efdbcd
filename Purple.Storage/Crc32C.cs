using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Numerics;

namespace Purple.Storage;

/// <summary>CRC-32C (Castagnoli), the checksum of journal batches and snapshot rows; hardware-accelerated where the CPU has it.</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(~0u, data);

    /// <summary>Continues a running (non-finalized) CRC over more bytes: start with ~0u, finalize with ~.</summary>
    // Recovery calls it up to millions of times within a second or two, mostly before tiered compilation would have
    // replaced its first, unoptimized code (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    public static uint Append(uint crc, long value) => BitOperations.Crc32C(crc, (ulong)value);
}
