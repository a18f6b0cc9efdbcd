using System.Runtime.CompilerServices;
using System.Buffers;

namespace Purple.Core.Commands;

/// <summary>
/// Compact binary form of <see cref="WriteCommand"/> records, used by the journal and the Raft log.
/// The layout is specified in docs/command-codec.md; the layout of an existing code is frozen
/// (records are read back years later), so a record that gains a field needs a new code.
/// </summary>
public static class CommandCodec
{
    public static void Write(WriteCommand command, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(output);
        var w = new CodecWriter(output);
        w.Code(command.Code);
        switch (command)
        {
            case SetCommand c:
                ArgumentNullException.ThrowIfNull(c.Key);
                ArgumentNullException.ThrowIfNull(c.Value);
                SetFields(w, c.Db, c.Key, c.Value, c.ExpiresAt, c.Condition, c.Options, c.ClientFlags, c.ContentType, c.ExpectedCas);
                break;
            case DeleteCommand c:
                w.Int(c.Db); w.BytesArray(c.Keys);
                break;
            case ExpireCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.Long(c.ExpiresAt); w.Byte((byte)c.Condition);
                break;
            case PersistCommand c:
                w.Int(c.Db); w.Bytes(c.Key);
                break;
            case IncrByCommand c:
                ArgumentNullException.ThrowIfNull(c.Key);
                IncrByFields(w, c.Db, c.Key, c.Delta, c.Mode);
                break;
            case AppendCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.Bytes(c.Value); w.Bool(c.Prepend); w.Bool(c.MustExist);
                break;
            case MSetCommand c:
                ArgumentNullException.ThrowIfNull(c.Keys);
                ArgumentNullException.ThrowIfNull(c.Values);
                if (c.Keys.Length != c.Values.Length)
                    throw new ArgumentException("MSetCommand.Keys and Values differ in length.", nameof(command));
                w.Int(c.Db); w.Count(c.Keys.Length);
                for (int i = 0; i < c.Keys.Length; i++) { w.Bytes(c.Keys[i]); w.Bytes(c.Values[i]); }
                w.Bool(c.OnlyIfNoneExist);
                break;
            case RenameCommand c:
                w.Int(c.Db); w.Bytes(c.Source); w.Bytes(c.Destination); w.Bool(c.OnlyIfTargetMissing);
                break;
            case SAddCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.BytesArray(c.Members);
                break;
            case SRemCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.BytesArray(c.Members);
                break;
            case SPopCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.Long(c.Count); w.ULong(c.Seed);
                break;
            case FlushDbCommand c:
                w.Int(c.Db);
                break;
            case FlushAllCommand:
                break;
            case GetDelCommand c:
                w.Int(c.Db); w.Bytes(c.Key);
                break;
            case GetExCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.Byte((byte)c.Action); w.Long(c.ExpiresAt);
                break;
            case InvalidateCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.Byte((byte)c.Expiry); w.Long(c.ExpiresAt); w.Bool(c.CompareCas); w.ULong(c.ExpectedCas);
                break;
            case LeaseCommand c:
                w.Int(c.Db); w.Bytes(c.Key); w.Byte((byte)c.Expiry); w.Long(c.ExpiresAt); w.Bool(c.Vivify); w.Long(c.VivifyExpiresAt);
                w.Long(c.RecacheBefore); w.Bool(c.RecacheAfterExpiry);
                break;
            default:
                throw new ArgumentException($"No codec for {command.GetType().Name}.", nameof(command));
        }
    }

    // The span forms below write exactly the bytes Write writes for the record they name, from a request's bytes, so a
    // write taken from them is journaled without a record (docs/performance.md, "Writes from the parsed request").

    /// <summary>The encoding of <c>SetCommand(db, key, value, expiresAt, condition, options)</c>.</summary>
    public static void WriteSet(IBufferWriter<byte> output, int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt,
        SetCondition condition, SetOptions options)
    {
        var w = new CodecWriter(output);
        w.Code(CommandCode.Set);
        SetFields(w, db, key, value, expiresAt, condition, options, 0, null, 0);
    }

    /// <summary>The encoding of <c>IncrByCommand(db, key, delta)</c>.</summary>
    public static void WriteIncrBy(IBufferWriter<byte> output, int db, ReadOnlySpan<byte> key, long delta)
    {
        var w = new CodecWriter(output);
        w.Code(CommandCode.IncrBy);
        IncrByFields(w, db, key, delta, IncrMode.Signed);
    }

    /// <summary>The encoding of <c>SAddCommand(db, key, members)</c>, the members being slices of <paramref name="buffer"/>.</summary>
    public static void WriteSAdd(IBufferWriter<byte> output, int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> members)
    {
        var w = new CodecWriter(output);
        w.Code(CommandCode.SAdd);
        w.Int(db); w.Bytes(key); w.Count(members.Length);
        foreach (var member in members) w.Bytes(buffer[member]);
    }

    /// <summary>The encoding of <c>MSetCommand(db, keys, values, onlyIfNoneExist)</c>, the pairs being slices of
    /// <paramref name="buffer"/>: key, value, key, value, ….</summary>
    public static void WriteMSet(IBufferWriter<byte> output, int db, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> keysAndValues, bool onlyIfNoneExist)
    {
        if (keysAndValues.Length % 2 != 0) throw new ArgumentException("Keys and values come in pairs.", nameof(keysAndValues));
        var w = new CodecWriter(output);
        w.Code(CommandCode.MSet);
        w.Int(db); w.Count(keysAndValues.Length / 2);
        foreach (var slice in keysAndValues) w.Bytes(buffer[slice]);
        w.Bool(onlyIfNoneExist);
    }

    private static void SetFields(CodecWriter w, int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt,
        SetCondition condition, SetOptions options, uint clientFlags, string? contentType, ulong expectedCas)
    {
        w.Int(db); w.Bytes(key); w.Bytes(value); w.Long(expiresAt);
        w.Byte((byte)condition); w.Byte((byte)options); w.UInt(clientFlags);
        w.NullableString(contentType); w.ULong(expectedCas);
    }

    private static void IncrByFields(CodecWriter w, int db, ReadOnlySpan<byte> key, long delta, IncrMode mode)
    {
        w.Int(db); w.Bytes(key); w.Long(delta); w.Byte((byte)mode);
    }

    /// <summary>Encodes into a new array; convenient for tests and for callers that frame records themselves.</summary>
    public static byte[] ToArray(WriteCommand command)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        Write(command, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes exactly one command occupying all of <paramref name="data"/>. Throws
    /// <see cref="CommandCodecException"/> (and nothing else) when the input is not a valid encoding.
    /// </summary>
    // Recovery calls it up to millions of times within a second or two, mostly before tiered compilation would have
    // replaced its first, unoptimized code (docs/performance.md, recovery).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static WriteCommand Read(ReadOnlySpan<byte> data)
    {
        var r = new CodecReader(data);
        ushort code = r.Code();
        WriteCommand command = (CommandCode)code switch
        {
            CommandCode.Set => new SetCommand(
                r.Int(), r.Bytes(), r.Bytes(), r.Long(),
                (SetCondition)r.EnumValue((byte)SetCondition.IfCasMatchesOrStale, nameof(SetCondition)),
                (SetOptions)r.FlagsValue((byte)(SetOptions.KeepTtl | SetOptions.ReturnOld), nameof(SetOptions)),
                r.UInt(), r.NullableString(), r.ULong()),
            CommandCode.Delete => new DeleteCommand(r.Int(), r.BytesArray()),
            CommandCode.Expire => new ExpireCommand(r.Int(), r.Bytes(), r.Long(), (ExpireCondition)r.EnumValue((byte)ExpireCondition.XXLT, nameof(ExpireCondition))),
            CommandCode.Persist => new PersistCommand(r.Int(), r.Bytes()),
            CommandCode.IncrBy => new IncrByCommand(r.Int(), r.Bytes(), r.Long(), (IncrMode)r.EnumValue((byte)IncrMode.MemcachedDecr, nameof(IncrMode))),
            CommandCode.Append => new AppendCommand(r.Int(), r.Bytes(), r.Bytes(), r.Bool(), r.Bool()),
            CommandCode.MSet => ReadMSet(ref r),
            CommandCode.Rename => new RenameCommand(r.Int(), r.Bytes(), r.Bytes(), r.Bool()),
            CommandCode.SAdd => new SAddCommand(r.Int(), r.Bytes(), r.BytesArray()),
            CommandCode.SRem => new SRemCommand(r.Int(), r.Bytes(), r.BytesArray()),
            CommandCode.SPop => new SPopCommand(r.Int(), r.Bytes(), r.Long(), r.ULong()),
            CommandCode.FlushDb => new FlushDbCommand(r.Int()),
            CommandCode.FlushAll => new FlushAllCommand(),
            CommandCode.GetDel => new GetDelCommand(r.Int(), r.Bytes()),
            CommandCode.GetEx => new GetExCommand(r.Int(), r.Bytes(), (GetExAction)r.EnumValue((byte)GetExAction.Persist, nameof(GetExAction)), r.Long()),
            CommandCode.Invalidate => new InvalidateCommand(r.Int(), r.Bytes(), (GetExAction)r.EnumValue((byte)GetExAction.Persist, nameof(GetExAction)), r.Long(),
                r.Bool(), r.ULong()),
            CommandCode.Lease => new LeaseCommand(r.Int(), r.Bytes(), (GetExAction)r.EnumValue((byte)GetExAction.Persist, nameof(GetExAction)), r.Long(),
                r.Bool(), r.Long(), r.Long(), r.Bool()),
            _ => throw new CommandCodecException($"Unknown command code {code}", 0),
        };
        r.End();
        return command;
    }

    private static MSetCommand ReadMSet(ref CodecReader r)
    {
        int db = r.Int();
        // Each pair needs at least two length bytes, which bounds the count by the input left.
        int count = r.Count(minBytesPerItem: 2);
        var keys = count == 0 ? [] : new byte[count][];
        var values = count == 0 ? [] : new byte[count][];
        for (int i = 0; i < count; i++) { keys[i] = r.Bytes(); values[i] = r.Bytes(); }
        return new MSetCommand(db, keys, values, r.Bool());
    }
}
