using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Purple.Core.Commands;

/// <summary>Field writer of <see cref="CommandCodec"/>: LEB128 varints, zigzag for signed, length-prefixed bytes.</summary>
internal readonly ref struct CodecWriter(IBufferWriter<byte> output)
{
    private const int MaxVarintBytes = 10;

    public void Code(CommandCode code)
    {
        var span = output.GetSpan(2);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)code);
        output.Advance(2);
    }

    public void Byte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int(int value) => ULong(ZigZag(value));

    public void Long(long value) => ULong(ZigZag(value));

    public void UInt(uint value) => ULong(value);

    public void Count(int count) => ULong((uint)count);

    public void ULong(ulong value)
    {
        var span = output.GetSpan(MaxVarintBytes);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        output.Advance(n);
    }

    public void Bytes(byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Bytes((ReadOnlySpan<byte>)value);
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        Count(value.Length);
        Payload(value);
    }

    public void BytesArray(byte[][] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Count(items.Length);
        foreach (var item in items) Bytes(item);
    }

    /// <summary>0 is null; n + 1 is a UTF-8 string of n bytes.</summary>
    public void NullableString(string? value)
    {
        if (value is null) { ULong(0); return; }
        int length = Encoding.UTF8.GetByteCount(value);
        ULong((ulong)length + 1);
        if (length <= 256)
        {
            var span = output.GetSpan(length);
            Encoding.UTF8.GetBytes(value, span);
            output.Advance(length);
        }
        else
        {
            Payload(Encoding.UTF8.GetBytes(value));
        }
    }

    // Values may be up to 512 MB: copy in the chunks the writer offers rather than asking for one huge span.
    private void Payload(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var span = output.GetSpan(Math.Min(data.Length, 4096));
            int n = Math.Min(span.Length, data.Length);
            data[..n].CopyTo(span);
            output.Advance(n);
            data = data[n..];
        }
    }

    internal static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
