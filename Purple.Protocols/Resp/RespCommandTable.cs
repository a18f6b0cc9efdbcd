using System.Collections.Frozen;

namespace Purple.Protocols.Resp;

/// <summary>
/// Every RESP command Purple serves, looked up by name without allocating. The families live in
/// <c>RespCommands.*.cs</c>; each contributes its specs here.
/// </summary>
public static class RespCommandTable
{
    private static readonly FrozenDictionary<string, RespCommandSpec> ByName = Build();
    private static readonly FrozenDictionary<string, RespCommandSpec>.AlternateLookup<ReadOnlySpan<char>> ByChars =
        ByName.GetAlternateLookup<ReadOnlySpan<char>>();

    public static IEnumerable<RespCommandSpec> All => ByName.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    public static int Count => ByName.Count;

    public static RespCommandSpec? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > 32) return null;
        Span<char> chars = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++) chars[i] = (char)name[i];
        return ByChars.TryGetValue(chars, out var spec) ? spec : null;
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
