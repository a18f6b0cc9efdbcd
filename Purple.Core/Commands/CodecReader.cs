using System.Buffers.Binary;
using System.Text;

namespace Purple.Core.Commands;

/// <summary>
/// Field reader of <see cref="CommandCodec"/>. Every check is against the bytes actually left, so a hostile
/// length can neither index past the input nor make us allocate more than the input could fill.
/// </summary>
internal ref struct CodecReader(ReadOnlySpan<byte> data)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    private readonly int Remaining => _data.Length - _pos;

    public ushort Code()
    {
        if (Remaining < 2) throw Fail("Truncated command code");
        ushort code = BinaryPrimitives.ReadUInt16LittleEndian(_data);
        _pos = 2;
        return code;
    }

    public byte Byte()
    {
        if (Remaining < 1) throw Fail("Truncated field");
        return _data[_pos++];
    }

    public bool Bool()
    {
        byte b = Byte();
        if (b > 1) { _pos--; throw Fail($"Invalid boolean {b}"); }
        return b == 1;
    }

    /// <summary>A one-byte enum value, at most <paramref name="max"/> (the enums are dense from 0).</summary>
    public byte EnumValue(byte max, string name)
    {
        byte b = Byte();
        if (b > max) { _pos--; throw Fail($"Invalid {name} {b}"); }
        return b;
    }

    /// <summary>A one-byte flags value with no bits outside <paramref name="known"/>.</summary>
    public byte FlagsValue(byte known, string name)
    {
        byte b = Byte();
        if ((b & ~known) != 0) { _pos--; throw Fail($"Unknown {name} bits {b}"); }
        return b;
    }

    public ulong ULong() => Varint(10);

    public uint UInt() => (uint)Varint(5, uint.MaxValue);

    public long Long() => UnZigZag(Varint(10));

    public int Int()
    {
        // A zigzagged int fits 32 bits, so anything larger cannot have come from Write.
        ulong raw = Varint(5, uint.MaxValue);
        return (int)UnZigZag(raw);
    }

    /// <summary>A count or length, bounded by what the rest of the input could possibly hold.</summary>
    public int Count(int minBytesPerItem)
    {
        int start = _pos;
        ulong n = Varint(5, int.MaxValue);
        if (n > (ulong)(Remaining / minBytesPerItem))
        {
            _pos = start;
            throw Fail($"Length {n} exceeds the {Remaining} bytes left");
        }
        return (int)n;
    }

    public byte[] Bytes()
    {
        int length = Count(1);
        if (length == 0) return [];
        var result = _data.Slice(_pos, length).ToArray();
        _pos += length;
        return result;
    }

    public byte[][] BytesArray()
    {
        // Every element has at least its one-byte length.
        int count = Count(1);
        if (count == 0) return [];
        var items = new byte[count][];
        for (int i = 0; i < count; i++) items[i] = Bytes();
        return items;
    }

    public string? NullableString()
    {
        int start = _pos;
        ulong tag = Varint(5, (ulong)int.MaxValue + 1);
        if (tag == 0) return null;
        ulong length = tag - 1;
        if (length > (ulong)Remaining) { _pos = start; throw Fail($"String length {length} exceeds the {Remaining} bytes left"); }
        try
        {
            string s = StrictUtf8.GetString(_data.Slice(_pos, (int)length));
            _pos += (int)length;
            return s;
        }
        catch (DecoderFallbackException)
        {
            throw Fail("Invalid UTF-8 in string");
        }
    }

    public readonly void End()
    {
        if (Remaining != 0) throw Fail($"{Remaining} unexpected trailing bytes");
    }

    /// <summary>
    /// LEB128, rejecting non-minimal encodings (so every value has exactly one encoding, which keeps
    /// checksums and record equality byte-exact) and values above <paramref name="max"/>.
    /// </summary>
    private ulong Varint(int maxBytes, ulong max = ulong.MaxValue)
    {
        int start = _pos;
        ulong result = 0;
        for (int i = 0; ; i++)
        {
            if (_pos >= _data.Length) throw Fail("Truncated varint", start);
            byte b = _data[_pos++];
            if (i == 9 && b > 1) throw Fail("Varint overflows 64 bits", start);
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0) throw Fail("Non-minimal varint", start);
                if (result > max) throw Fail($"Value {result} out of range", start);
                return result;
            }
            if (i + 1 >= maxBytes) throw Fail("Varint too long", start);
        }
    }

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private readonly CommandCodecException Fail(string message) => new(message, _pos);

    private static CommandCodecException Fail(string message, int offset) => new(message, offset);
}
