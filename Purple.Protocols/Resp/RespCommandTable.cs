using System.Collections.Frozen;
using System.Text;

namespace Purple.Protocols.Resp;

/// <summary>
/// Every RESP command Purple serves, looked up by name without allocating. The families live in
/// <c>RespCommands.*.cs</c>; each contributes its specs here.
/// </summary>
public static class RespCommandTable
{
    private const int MaxNameLength = 32;
    private static readonly FrozenDictionary<string, RespCommandSpec> ByName = Build();
    // The request path's lookup: names bucketed by length and first letter (case folded), a few a bucket, each
    // compared as ASCII bytes. The dictionary's char lookup widened every name and hashed it, ~1.3 % of a GET profile.
    private static readonly (byte[] Name, RespCommandSpec Spec)[][] ByLengthAndFirst = BuildBuckets();

    public static IEnumerable<RespCommandSpec> All => ByName.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    public static int Count => ByName.Count;

    public static RespCommandSpec? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > MaxNameLength) return null;
        foreach (var (candidate, spec) in ByLengthAndFirst[Bucket(name.Length, name[0])])
        {
            if (Ascii.EqualsIgnoreCase(candidate, name)) return spec;
        }
        return null;
    }

    // Letters land on 1..26 whatever their case; any other byte lands somewhere too, and the comparison decides.
    private static int Bucket(int length, byte first) => length * 32 + ((first | 0x20) & 31);

    private static (byte[] Name, RespCommandSpec Spec)[][] BuildBuckets()
    {
        var buckets = new List<(byte[], RespCommandSpec)>[(MaxNameLength + 1) * 32];
        foreach (var spec in ByName.Values)
        {
            byte[] name = Encoding.ASCII.GetBytes(spec.Name);
            if (name.Length is 0 or > MaxNameLength) throw new InvalidOperationException($"command name '{spec.Name}' cannot be looked up");
            (buckets[Bucket(name.Length, name[0])] ??= []).Add((name, spec));
        }
        return buckets.Select(b => b?.ToArray() ?? []).ToArray();
    }

    public static RespCommandSpec? Find(string name) => ByName.GetValueOrDefault(name);

    private static FrozenDictionary<string, RespCommandSpec> Build()
    {
        var specs = new List<RespCommandSpec>();
        specs.AddRange(RespCommands.ConnectionCommands());
        specs.AddRange(RespCommands.ServerCommands());
        specs.AddRange(RespCommands.KeyCommands());
        specs.AddRange(RespCommands.StringCommands());
        specs.AddRange(RespCommands.SetCommands());
        specs.AddRange(RespCommands.TransactionCommands());
        foreach (var spec in specs)
        {
            foreach (var sub in spec.Subcommands) sub.Parent = spec;
        }
        // Each command's metrics slot is its place in name order, the order NewMetrics registers names in.
        int slot = 0;
        foreach (var spec in specs.OrderBy(s => s.Name, StringComparer.Ordinal)) spec.MetricsSlot = slot++;
        return specs.ToFrozenDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
    }
}
