namespace Purple.Protocols.Memcached;

/// <summary>The commands of memcached's text protocol, classic and meta. Names are memcached's.</summary>
public enum MemcachedCommand : byte
{
    Unknown = 0,
    Get, Gets, Gat, Gats,
    Set, Add, Replace, Append, Prepend, Cas,
    Delete, Incr, Decr, Touch,
    FlushAll, Version, Stats, Verbosity, Quit,
    MetaGet, MetaSet, MetaDelete, MetaArithmetic, MetaNoop, MetaDebug,
}

internal static class MemcachedCommands
{
    /// <summary>Commands are case-sensitive in memcached: "GET" is an unknown command.</summary>
    public static MemcachedCommand Identify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => name[0] != (byte)'m' ? MemcachedCommand.Unknown : name[1] switch
        {
            (byte)'g' => MemcachedCommand.MetaGet,
            (byte)'s' => MemcachedCommand.MetaSet,
            (byte)'d' => MemcachedCommand.MetaDelete,
            (byte)'a' => MemcachedCommand.MetaArithmetic,
            (byte)'n' => MemcachedCommand.MetaNoop,
            (byte)'e' => MemcachedCommand.MetaDebug,
            _ => MemcachedCommand.Unknown,
        },
        3 when name.SequenceEqual("get"u8) => MemcachedCommand.Get,
        3 when name.SequenceEqual("set"u8) => MemcachedCommand.Set,
        3 when name.SequenceEqual("add"u8) => MemcachedCommand.Add,
        3 when name.SequenceEqual("cas"u8) => MemcachedCommand.Cas,
        3 when name.SequenceEqual("gat"u8) => MemcachedCommand.Gat,
        4 when name.SequenceEqual("gets"u8) => MemcachedCommand.Gets,
        4 when name.SequenceEqual("gats"u8) => MemcachedCommand.Gats,
        4 when name.SequenceEqual("incr"u8) => MemcachedCommand.Incr,
        4 when name.SequenceEqual("decr"u8) => MemcachedCommand.Decr,
        4 when name.SequenceEqual("quit"u8) => MemcachedCommand.Quit,
        5 when name.SequenceEqual("touch"u8) => MemcachedCommand.Touch,
        5 when name.SequenceEqual("stats"u8) => MemcachedCommand.Stats,
        6 when name.SequenceEqual("append"u8) => MemcachedCommand.Append,
        6 when name.SequenceEqual("delete"u8) => MemcachedCommand.Delete,
        7 when name.SequenceEqual("replace"u8) => MemcachedCommand.Replace,
        7 when name.SequenceEqual("prepend"u8) => MemcachedCommand.Prepend,
        7 when name.SequenceEqual("version"u8) => MemcachedCommand.Version,
        9 when name.SequenceEqual("flush_all"u8) => MemcachedCommand.FlushAll,
        9 when name.SequenceEqual("verbosity"u8) => MemcachedCommand.Verbosity,
        _ => MemcachedCommand.Unknown,
    };

    /// <summary>Each command's name as memcached spells it, indexed by <see cref="MemcachedCommand"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<MemcachedCommand>().Select(c => c switch
    {
        MemcachedCommand.Unknown => "unknown",
        MemcachedCommand.FlushAll => "flush_all",
        MemcachedCommand.MetaGet => "mg",
        MemcachedCommand.MetaSet => "ms",
        MemcachedCommand.MetaDelete => "md",
        MemcachedCommand.MetaArithmetic => "ma",
        MemcachedCommand.MetaNoop => "mn",
        MemcachedCommand.MetaDebug => "me",
        _ => c.ToString().ToLowerInvariant(),
    }).ToArray();

    public static bool IsRetrieval(MemcachedCommand c) => c is MemcachedCommand.Get or MemcachedCommand.Gets or MemcachedCommand.Gat or MemcachedCommand.Gats;

    /// <summary>Classic storage commands: "cmd key flags exptime bytes [cas] [noreply]" followed by a data block.</summary>
    public static bool IsStorage(MemcachedCommand c) => c is >= MemcachedCommand.Set and <= MemcachedCommand.Cas;
}
