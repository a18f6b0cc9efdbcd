using Purple.Core.Commands;

namespace Purple.Core.Execution;

/// <summary>
/// The hottest writes taken straight from a protocol's parsed request, without a command record or arrays of their own
/// (docs/performance.md, "Writes from the parsed request"). Each does exactly what <see cref="Execute"/> does with the
/// record named on it — same rules, same results, same OOM rule — and the default implementations are just that. A
/// store that can apply them from the spans (the in-memory engine) copies a key or a value only when it must keep it: a
/// new key, a new member, a value of another length. The spans need to be valid only during the call.
/// </summary>
public partial interface IDataStore
{
    /// <summary>
    /// <see cref="SetCommand"/> of a string without metadata (no client flags, no content type) under Redis's
    /// conditions: <see cref="SetCondition.Always"/>, <see cref="SetCondition.IfNotExists"/> or
    /// <see cref="SetCondition.IfExists"/>. Result: Status, and Value with <see cref="SetOptions.ReturnOld"/>;
    /// <see cref="ExecResult.Item"/> is not filled.
    /// </summary>
    ExecResult SetString(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt = 0,
        SetCondition condition = SetCondition.Always, SetOptions options = SetOptions.None)
    {
        SpanWriteRules.CheckCondition(condition);
        return Execute(new SetCommand(db, key.ToArray(), value.ToArray(), expiresAt, condition, options));
    }

    /// <summary><see cref="IncrByCommand"/> with Redis's signed rules. Result: Integer, the new value;
    /// <see cref="ExecResult.Item"/> is not filled.</summary>
    ExecResult IncrementBy(int db, ReadOnlySpan<byte> key, long delta) => Execute(new IncrByCommand(db, key.ToArray(), delta));

    /// <summary><see cref="SAddCommand"/> of the members that are slices of <paramref name="buffer"/>. Result: Integer,
    /// the members added.</summary>
    ExecResult AddMembers(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> members)
    {
        var copies = new byte[members.Length][];
        for (int i = 0; i < copies.Length; i++) copies[i] = buffer[members[i]].ToArray();
        return Execute(new SAddCommand(db, key.ToArray(), copies));
    }

    /// <summary>
    /// <see cref="MSetCommand"/> of the pairs that are slices of <paramref name="buffer"/>: key, value, key, value, …
    /// (an even count, at least two). Result as the record's: Integer 1 when stored, NotPerformed when
    /// <paramref name="onlyIfNoneExist"/> found a key.
    /// </summary>
    ExecResult SetMany(int db, ReadOnlySpan<byte> buffer, ReadOnlySpan<Range> keysAndValues, bool onlyIfNoneExist)
    {
        int pairs = SpanWriteRules.PairCount(keysAndValues);
        var keys = new byte[pairs][];
        var values = new byte[pairs][];
        for (int i = 0; i < pairs; i++)
        {
            keys[i] = buffer[keysAndValues[2 * i]].ToArray();
            values[i] = buffer[keysAndValues[2 * i + 1]].ToArray();
        }
        return Execute(new MSetCommand(db, keys, values, onlyIfNoneExist));
    }
}

/// <summary>Argument rules shared by every implementation of <see cref="IDataStore"/>'s span writes.</summary>
public static class SpanWriteRules
{
    /// <summary>Rejects the memcached CAS conditions, which need a command's CAS and are never taken from spans.</summary>
    public static void CheckCondition(SetCondition condition)
    {
        if (condition is not (SetCondition.Always or SetCondition.IfNotExists or SetCondition.IfExists))
            throw new ArgumentOutOfRangeException(nameof(condition), condition, "Only Always, IfNotExists and IfExists are taken from spans.");
    }

    /// <summary>The number of key/value pairs, after checking there is a whole number of them, and at least one.</summary>
    public static int PairCount(ReadOnlySpan<Range> keysAndValues)
    {
        if (keysAndValues.IsEmpty || keysAndValues.Length % 2 != 0)
            throw new ArgumentException("Keys and values come in pairs, at least one.", nameof(keysAndValues));
        return keysAndValues.Length / 2;
    }
}
