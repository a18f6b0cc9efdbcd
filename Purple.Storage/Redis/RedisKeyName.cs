using System.Globalization;
using System.Text;

namespace Purple.Storage.Redis;

/// <summary>
/// Key names on a Redis Cluster, which has database 0 only (docs/storage.md, "Redis Cluster"): Purple's database 0 is
/// the plain keyspace, database n &gt; 0 is the prefix <c>purple:db&lt;n&gt;:</c> (so a hash tag in a key still decides
/// its slot), and each slot's metadata hash and CAS counter are <c>purple:meta{tag}</c> and <c>purple:cas{tag}</c>, the
/// tag chosen to land on that slot, so a script about a key can touch them. Keys beginning with these are reserved:
/// database 0 does not list them.
/// </summary>
public static class RedisKeyName
{
    private static readonly byte[] Purple = "purple:"u8.ToArray();
    private static readonly byte[] MetaPrefix = "purple:meta{"u8.ToArray();
    private static readonly byte[] CasPrefix = "purple:cas{"u8.ToArray();
    private static readonly byte[] DbPrefix = "purple:db"u8.ToArray();
    private static readonly byte[]?[] Metas = new byte[RedisSlot.Count][];
    private static readonly byte[]?[] Cases = new byte[RedisSlot.Count][];
    private static readonly byte[][] Prefixes = Enumerable.Range(0, 64).Select(MakePrefix).ToArray();

    private static byte[] MakePrefix(int db) => Encoding.ASCII.GetBytes("purple:db" + db.ToString(CultureInfo.InvariantCulture) + ":");

    /// <summary>The prefix of database <paramref name="db"/>'s keys (empty for database 0).</summary>
    public static byte[] Prefix(int db) => db == 0 ? [] : db < Prefixes.Length ? Prefixes[db] : MakePrefix(db);

    public static byte[] Of(int db, ReadOnlySpan<byte> key)
    {
        if (db == 0) return key.ToArray();
        var prefix = Prefix(db);
        var name = new byte[prefix.Length + key.Length];
        prefix.CopyTo(name, 0);
        key.CopyTo(name.AsSpan(prefix.Length));
        return name;
    }

    /// <summary>The Purple key a Redis key of database <paramref name="db"/> stands for; null when it is not one of that database's.</summary>
    public static byte[]? KeyOf(int db, byte[] name)
    {
        if (db == 0) return IsReserved(name) ? null : name;
        var prefix = Prefix(db);
        return name.AsSpan().StartsWith(prefix) ? name[prefix.Length..] : null;
    }

    public static bool IsReserved(ReadOnlySpan<byte> name)
    {
        if (!name.StartsWith(Purple)) return false;
        if (name.StartsWith(MetaPrefix) || name.StartsWith(CasPrefix)) return true;
        if (!name.StartsWith(DbPrefix)) return false;
        var rest = name[DbPrefix.Length..];
        int digits = 0;
        while (digits < rest.Length && rest[digits] is >= (byte)'0' and <= (byte)'9') digits++;
        return digits > 0 && digits < rest.Length && rest[digits] == (byte)':';
    }

    /// <summary>Glob-escapes a literal for MATCH/KEYS patterns (prefixes are plain text today; kept safe for any).</summary>
    public static byte[] EscapeGlob(ReadOnlySpan<byte> literal)
    {
        var escaped = new List<byte>(literal.Length + 4);
        foreach (byte b in literal)
        {
            if (b is (byte)'*' or (byte)'?' or (byte)'[' or (byte)']' or (byte)'\\') escaped.Add((byte)'\\');
            escaped.Add(b);
        }
        return [.. escaped];
    }

    public static byte[] Meta(int slot) => Metas[slot] ??= Tagged(MetaPrefix, slot);

    public static byte[] Cas(int slot) => Cases[slot] ??= Tagged(CasPrefix, slot);

    /// <summary>The pattern that finds every metadata hash.</summary>
    public static byte[] MetaPattern => "purple:meta{*"u8.ToArray();

    private static byte[] Tagged(byte[] prefix, int slot)
    {
        var tag = RedisSlot.TagOf(slot);
        var name = new byte[prefix.Length + tag.Length + 1];
        prefix.CopyTo(name, 0);
        tag.CopyTo(name, prefix.Length);
        name[^1] = (byte)'}';
        return name;
    }
}
