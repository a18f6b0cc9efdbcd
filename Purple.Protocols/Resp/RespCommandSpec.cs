namespace Purple.Protocols.Resp;

/// <summary>Flags as COMMAND INFO reports them; a few also steer dispatch.</summary>
[Flags]
public enum RespCommandFlags
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    DenyOom = 1 << 2,
    Admin = 1 << 3,
    Fast = 1 << 4,
    NoScript = 1 << 5,
    Loading = 1 << 6,
    Stale = 1 << 7,
    /// <summary>Runs immediately even inside MULTI (EXEC, DISCARD, MULTI, WATCH, QUIT…).</summary>
    NoQueue = 1 << 8,
    NoAuth = 1 << 9,
    AllowBusy = 1 << 10,
}

public delegate void RespHandler(RespSession session, RespCommandArgs args, RespWriter writer);

/// <summary>
/// One command of the table: how it is dispatched and what COMMAND INFO/DOCS say about it.
/// <see cref="Arity"/> follows Redis: positive = exact argument count including the name, negative = minimum.
/// <see cref="Syntax"/> is the argument grammar in Redis's documentation notation; COMMAND DOCS derives
/// the argument tree redis-cli uses for hints from it.
/// </summary>
public sealed class RespCommandSpec
{
    public required string Name { get; init; }
    public required int Arity { get; init; }
    public required RespCommandFlags Flags { get; init; }
    public int FirstKey { get; init; }
    public int LastKey { get; init; }
    public int Step { get; init; }
    public required string Group { get; init; }
    public required string Summary { get; init; }
    public string Since { get; init; } = "1.0.0";
    public string Complexity { get; init; } = "O(1)";
    public string Syntax { get; init; } = "";
    public string[] AclCategories { get; init; } = [];
    public RespHandler? Handler { get; init; }
    public RespCommandSpec[] Subcommands { get; init; } = [];

    /// <summary>The containing command for a subcommand ("client" for "client|setname").</summary>
    public RespCommandSpec? Parent { get; internal set; }

    /// <summary>This command's slot in the RESP <see cref="Metrics.CommandMetrics"/> (its index in name order).</summary>
    internal int MetricsSlot { get; set; }

    public string FullName => Parent is null ? Name : $"{Parent.Name}|{Name}";

    public bool AcceptsArgCount(int count) => Arity >= 0 ? count == Arity : count >= -Arity;

    public RespCommandSpec? FindSubcommand(ReadOnlySpan<byte> name)
    {
        foreach (var sub in Subcommands)
        {
            if (AsciiEqualsIgnoreCase(sub.Name, name)) return sub;
        }
        return null;
    }

    internal static bool AsciiEqualsIgnoreCase(string expected, ReadOnlySpan<byte> actual)
    {
        if (expected.Length != actual.Length) return false;
        for (int i = 0; i < actual.Length; i++)
        {
            int a = actual[i];
            if (a is >= 'A' and <= 'Z') a += 32;
            int e = expected[i];
            if (e is >= 'A' and <= 'Z') e += 32;
            if (a != e) return false;
        }
        return true;
    }
}
