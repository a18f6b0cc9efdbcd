using System.Globalization;
using System.Text;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Resp;

internal static partial class RespCommands
{
    internal static IEnumerable<RespCommandSpec> ServerCommands() =>
    [
        new() { Name = "command", Arity = -1, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server", Since = "2.8.13",
            Summary = "Returns detailed information about all commands.", Complexity = "O(N) where N is the total number of Redis commands",
            Handler = Command, AclCategories = ["@slow", "@connection"], Subcommands = CommandSubcommands() },
        new() { Name = "info", Arity = -1, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server",
            Summary = "Returns information and statistics about the server.", Syntax = "[section [section ...]]", Handler = Info, AclCategories = ["@slow", "@dangerous"] },
        new() { Name = "dbsize", Arity = 1, Flags = ReadFlags | RespCommandFlags.Fast, Group = "server", Summary = "Returns the number of keys in the database.",
            Handler = (s, a, w) => w.Integer(s.Store.DbSize(s.Db)), AclCategories = ["@keyspace", "@read", "@fast"] },
        new() { Name = "flushdb", Arity = -1, Flags = RespCommandFlags.Write, Group = "server", Summary = "Remove all keys from the current database.",
            Complexity = "O(N) where N is the number of keys in the selected database", Syntax = "[ASYNC|SYNC]",
            Handler = (s, a, w) => Flush(s, a, w, all: false), AclCategories = ["@keyspace", "@write", "@slow", "@dangerous"] },
        new() { Name = "flushall", Arity = -1, Flags = RespCommandFlags.Write, Group = "server", Summary = "Removes all keys from all databases.",
            Complexity = "O(N) where N is the total number of keys in all databases", Syntax = "[ASYNC|SYNC]",
            Handler = (s, a, w) => Flush(s, a, w, all: true), AclCategories = ["@keyspace", "@write", "@slow", "@dangerous"] },
        new() { Name = "time", Arity = 1, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale | RespCommandFlags.Fast, Group = "server", Since = "2.6.0",
            Summary = "Returns the server time.", Handler = Time, AclCategories = ["@fast"] },
        new() { Name = "config", Arity = -2, Flags = RespCommandFlags.None, Group = "server", Since = "2.0.0",
            Summary = "A container for server configuration commands.", Complexity = "Depends on subcommand.", Handler = Config,
            AclCategories = ["@slow"], Subcommands = ConfigSubcommands() },
        new() { Name = "save", Arity = 1, Flags = RespCommandFlags.None, Group = "server", Since = "1.0.0",
            Summary = "Synchronously saves the database(s) to disk.", Complexity = "O(N) where N is the total number of keys in all databases",
            Handler = Save, AclCategories = ["@admin", "@slow", "@dangerous"] },
        new() { Name = "bgsave", Arity = -1, Flags = RespCommandFlags.None, Group = "server", Since = "1.0.0",
            Summary = "Asynchronously saves the database(s) to disk.", Complexity = "O(1)", Syntax = "[SCHEDULE]",
            Handler = BackgroundSave, AclCategories = ["@admin", "@slow", "@dangerous"] },
        new() { Name = "lastsave", Arity = 1, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale | RespCommandFlags.Fast, Group = "server", Since = "1.0.0",
            Summary = "Returns the Unix timestamp of the last successful save to disk.", Complexity = "O(1)",
            Handler = (s, a, w) => w.Integer(s.Server.Persistence.LastSaveUnixSeconds), AclCategories = ["@admin", "@fast", "@dangerous"] },
    ];

    private static void Save(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (s.Server.Persistence.Save() is { } error) w.Error(error.StartsWith("ERR ", StringComparison.Ordinal) ? error : "ERR " + error);
        else w.Ok();
    }

    // Redis: "Background saving started"; with SCHEDULE while one runs, "Background saving scheduled" and it runs after.
    private static void BackgroundSave(RespSession s, RespCommandArgs a, RespWriter w)
    {
        bool schedule = a.Count == 2 && a.EqualsIgnoreCase(1, "SCHEDULE"u8);
        if (a.Count > 2 || (a.Count == 2 && !schedule))
        {
            w.Error(RespErrors.Syntax);
            return;
        }
        var persistence = s.Server.Persistence;
        if (!persistence.Durable)
        {
            w.Error(MemoryOnlyPersistence.NotDurable);
            return;
        }
        switch (persistence.StartBackgroundSave(schedule))
        {
            case Purple.Core.Execution.BackgroundSave.Started:
                w.SimpleString("Background saving started"u8);
                break;
            case Purple.Core.Execution.BackgroundSave.Scheduled:
                w.SimpleString("Background saving scheduled"u8);
                break;
            default:
                w.Error("ERR Background save already in progress");
                break;
        }
    }

    private static RespCommandSpec[] CommandSubcommands() =>
    [
        new() { Name = "count", Arity = 2, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server", Since = "2.8.13",
            Summary = "Returns a count of commands.", Handler = (s, a, w) => w.Integer(RespCommandTable.Count), AclCategories = ["@slow", "@connection"] },
        new() { Name = "info", Arity = -2, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server", Since = "2.8.13",
            Summary = "Returns information about one, multiple or all commands.", Complexity = "O(N) where N is the number of commands to look up",
            Syntax = "[command-name [command-name ...]]", Handler = CommandInfo, AclCategories = ["@slow", "@connection"] },
        new() { Name = "docs", Arity = -2, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server", Since = "7.0.0",
            Summary = "Returns documentary information about one, multiple or all commands.", Complexity = "O(N) where N is the number of commands to look up",
            Syntax = "[command-name [command-name ...]]", Handler = CommandDocs, AclCategories = ["@slow", "@connection"] },
        new() { Name = "list", Arity = -2, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server", Since = "7.0.0",
            Summary = "Returns a list of command names.", Complexity = "O(N) where N is the total number of Redis commands",
            Handler = (s, a, w) => WriteBulks(w, RespCommandTable.All.Select(c => Utf8(c.Name)).ToList()), AclCategories = ["@slow", "@connection"] },
        new() { Name = "help", Arity = 2, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server", Since = "5.0.0",
            Summary = "Returns helpful text about the different subcommands.", Handler = (s, a, w) => Help(w, "COMMAND", CommandSubcommands()), AclCategories = ["@slow", "@connection"] },
    ];

    private static RespCommandSpec[] ConfigSubcommands() =>
    [
        new() { Name = "get", Arity = -3, Flags = RespCommandFlags.Admin | RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale,
            Group = "server", Since = "2.0.0", Summary = "Returns the effective values of configuration parameters.", Complexity = "O(N) when N is the number of configuration parameters provided",
            Syntax = "parameter [parameter ...]", Handler = ConfigGet, AclCategories = ["@admin", "@slow", "@dangerous"] },
        new() { Name = "set", Arity = -4, Flags = RespCommandFlags.Admin | RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale,
            Group = "server", Since = "2.0.0", Summary = "Sets configuration parameters in-flight.", Complexity = "O(N) when N is the number of configuration parameters provided",
            Syntax = "parameter value [parameter value ...]", Handler = ConfigSet, AclCategories = ["@admin", "@slow", "@dangerous"] },
        new() { Name = "resetstat", Arity = 2, Flags = RespCommandFlags.Admin | RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale,
            Group = "server", Since = "2.0.0", Summary = "Resets the server's statistics.", Handler = (s, a, w) => { s.Server.Clients.ResetStats(); w.Ok(); },
            AclCategories = ["@admin", "@slow", "@dangerous"] },
        new() { Name = "help", Arity = 2, Flags = RespCommandFlags.Loading | RespCommandFlags.Stale, Group = "server", Since = "5.0.0",
            Summary = "Returns helpful text about the different subcommands.", Handler = (s, a, w) => Help(w, "CONFIG", ConfigSubcommands()), AclCategories = ["@slow"] },
    ];

    private static void Dispatch(RespSession s, RespCommandArgs a, RespWriter w, string container)
    {
        var spec = RespCommandTable.Find(container)!;
        var sub = spec.FindSubcommand(a[1]);
        if (sub is null)
        {
            w.Error(RespErrors.UnknownSubcommand(a[1], container));
            return;
        }
        if (!sub.AcceptsArgCount(a.Count))
        {
            w.Error(RespErrors.Arity(sub.FullName));
            return;
        }
        s.LastCommand = sub.FullName;
        sub.Handler!(s, a, w);
    }

    private static void Command(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.Count == 1)
        {
            var all = RespCommandTable.All.ToList();
            w.ArrayHeader(all.Count);
            foreach (var spec in all) RespCommandDocs.WriteInfo(w, spec);
            return;
        }
        Dispatch(s, a, w, "command");
    }

    private static void CommandInfo(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.Count == 2)
        {
            var all = RespCommandTable.All.ToList();
            w.ArrayHeader(all.Count);
            foreach (var spec in all) RespCommandDocs.WriteInfo(w, spec);
            return;
        }
        w.ArrayHeader(a.Count - 2);
        for (int i = 2; i < a.Count; i++)
        {
            var spec = FindCommandOrSubcommand(a[i]);
            if (spec is null) w.NullArray();
            else RespCommandDocs.WriteInfo(w, spec);
        }
    }

    private static void CommandDocs(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var specs = new List<RespCommandSpec>();
        if (a.Count == 2) specs.AddRange(RespCommandTable.All);
        else
        {
            for (int i = 2; i < a.Count; i++)
            {
                var spec = FindCommandOrSubcommand(a[i]);
                if (spec is not null) specs.Add(spec);
            }
        }
        w.MapHeader(specs.Count);
        foreach (var spec in specs)
        {
            w.BulkString(spec.FullName);
            RespCommandDocs.WriteDocs(w, spec);
        }
    }

    /// <summary>"get" or "client|setname", case-insensitively.</summary>
    private static RespCommandSpec? FindCommandOrSubcommand(ReadOnlySpan<byte> name)
    {
        int bar = name.IndexOf((byte)'|');
        if (bar < 0) return RespCommandTable.Find(name);
        return RespCommandTable.Find(name[..bar])?.FindSubcommand(name[(bar + 1)..]);
    }

    private static void Flush(RespSession s, RespCommandArgs a, RespWriter w, bool all)
    {
        if (a.Count > 2 || (a.Count == 2 && !a.EqualsIgnoreCase(1, "ASYNC"u8) && !a.EqualsIgnoreCase(1, "SYNC"u8)))
        {
            w.Error(RespErrors.Syntax);
            return;
        }
        WriteCommand command = all ? new FlushAllCommand() : new FlushDbCommand(s.Db);
        var result = s.Store.Execute(command);
        if (result.Status == ExecStatus.Failed) Fail(w, result);
        else w.Ok();
    }

    private static void Time(RespSession s, RespCommandArgs a, RespWriter w)
    {
        long micros = (s.Server.Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        w.ArrayHeader(2);
        w.BulkString((micros / 1_000_000).ToString(CultureInfo.InvariantCulture));
        w.BulkString((micros % 1_000_000).ToString(CultureInfo.InvariantCulture));
    }

    private static void Config(RespSession s, RespCommandArgs a, RespWriter w) => Dispatch(s, a, w, "config");

    private static void ConfigGet(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 2; i < a.Count; i++)
        {
            var pattern = a[i];
            foreach (var name in s.Server.Config.Names)
            {
                if (GlobPattern.Matches(LowerAscii(pattern), Encoding.UTF8.GetBytes(name)) && s.Server.Config.TryGet(name, out var value))
                {
                    found[name] = value;
                }
            }
        }
        w.MapHeader(found.Count);
        foreach (var (name, value) in found)
        {
            w.BulkString(name);
            w.BulkString(value);
        }
    }

    private static byte[] LowerAscii(ReadOnlySpan<byte> s)
    {
        var lower = s.ToArray();
        for (int i = 0; i < lower.Length; i++)
        {
            if (lower[i] is >= (byte)'A' and <= (byte)'Z') lower[i] += 32;
        }
        return lower;
    }

    private static void ConfigSet(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if ((a.Count - 2) % 2 != 0)
        {
            w.Error(RespErrors.Arity("config|set"));
            return;
        }
        var names = new HashSet<string>(s.Server.Config.Names, StringComparer.Ordinal);
        var changes = new List<(string Name, string Value)>();
        for (int i = 2; i < a.Count; i += 2)
        {
            string name = Encoding.UTF8.GetString(LowerAscii(a[i]));
            if (!names.Contains(name))
            {
                w.Error($"ERR Unknown option or number of arguments for CONFIG SET - '{name}'");
                return;
            }
            if (changes.Exists(c => c.Name == name))
            {
                w.Error($"ERR Duplicate parameter - {name}");
                return;
            }
            changes.Add((name, RespArg.ToText(a[i + 1])));
        }
        foreach (var (name, value) in changes)
        {
            string? error = s.Server.Config.TrySet(name, value);
            if (error is not null)
            {
                w.Error($"ERR CONFIG SET failed (possibly related to argument '{name}') - {error}");
                return;
            }
        }
        w.Ok();
    }

    private static void Info(RespSession s, RespCommandArgs a, RespWriter w)
    {
        var sections = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < a.Count; i++) sections.Add(RespArg.ToText(a[i]));
        w.Verbatim(Encoding.UTF8.GetBytes(RespInfo.Render(s.Server, sections)));
    }
}
