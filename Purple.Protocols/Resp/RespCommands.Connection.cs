using System.Globalization;
using System.Text;

namespace Purple.Protocols.Resp;

internal static partial class RespCommands
{
    private const RespCommandFlags ConnectionFlags = RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale | RespCommandFlags.Fast;

    internal static IEnumerable<RespCommandSpec> ConnectionCommands() =>
    [
        new() { Name = "ping", Arity = -1, Flags = RespCommandFlags.Fast, Group = "connection", Summary = "Returns the server's liveliness response.",
            Syntax = "[message]", Handler = Ping, AclCategories = ["@fast", "@connection"] },
        new() { Name = "echo", Arity = 2, Flags = RespCommandFlags.Fast, Group = "connection", Summary = "Returns the given string.",
            Syntax = "message", Handler = (s, a, w) => w.Bulk(a[1]), AclCategories = ["@fast", "@connection"] },
        new() { Name = "quit", Arity = -1, Flags = ConnectionFlags | RespCommandFlags.NoAuth | RespCommandFlags.NoQueue, Group = "connection",
            Summary = "Closes the connection.", Handler = Quit, AclCategories = ["@fast", "@connection"] },
        new() { Name = "hello", Arity = -1, Flags = ConnectionFlags | RespCommandFlags.NoAuth, Group = "connection", Since = "6.0.0",
            Summary = "Handshakes with the Redis server.", Syntax = "[protover [AUTH username password] [SETNAME clientname]]",
            Handler = Hello, AclCategories = ["@fast", "@connection"] },
        new() { Name = "auth", Arity = -2, Flags = ConnectionFlags | RespCommandFlags.NoAuth, Group = "connection",
            Summary = "Authenticates the connection.", Syntax = "[username] password", Handler = Auth, AclCategories = ["@fast", "@connection"] },
        new() { Name = "select", Arity = 2, Flags = ConnectionFlags, Group = "connection", Summary = "Changes the selected database.",
            Syntax = "index", Handler = Select, AclCategories = ["@fast", "@connection"] },
        new() { Name = "reset", Arity = 1, Flags = ConnectionFlags | RespCommandFlags.NoAuth | RespCommandFlags.NoQueue, Group = "connection", Since = "6.2.0",
            Summary = "Resets the connection.", Handler = Reset, AclCategories = ["@fast", "@connection"] },
        new() { Name = "client", Arity = -2, Flags = RespCommandFlags.None, Group = "connection", Since = "2.4.0",
            Summary = "A container for client connection commands.", Complexity = "Depends on subcommand.", Handler = Client,
            AclCategories = ["@slow"], Subcommands = ClientSubcommands() },
    ];

    private static RespCommandSpec[] ClientSubcommands() =>
    [
        new() { Name = "id", Arity = 2, Flags = ConnectionFlags, Group = "connection", Since = "5.0.0", Summary = "Returns the unique client ID of the connection.",
            Handler = (s, a, w) => w.Integer(s.Id), AclCategories = ["@slow", "@connection"] },
        new() { Name = "setname", Arity = 3, Flags = ConnectionFlags, Group = "connection", Since = "2.6.9", Summary = "Sets the connection name.",
            Syntax = "connection-name", Handler = ClientSetName, AclCategories = ["@slow", "@connection"] },
        new() { Name = "getname", Arity = 2, Flags = ConnectionFlags, Group = "connection", Since = "2.6.9", Summary = "Returns the name of the connection.",
            Handler = (s, a, w) => { if (s.Name is null) w.Null(); else w.BulkString(s.Name); }, AclCategories = ["@slow", "@connection"] },
        new() { Name = "info", Arity = 2, Flags = ConnectionFlags, Group = "connection", Since = "6.2.0", Summary = "Returns information about the connection.",
            Handler = (s, a, w) => w.Verbatim(Encoding.UTF8.GetBytes(ClientLine(s) + "\n")), AclCategories = ["@slow", "@connection"] },
        new() { Name = "list", Arity = -2, Flags = RespCommandFlags.Admin | RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale,
            Group = "connection", Since = "2.4.0", Summary = "Lists open connections.", Complexity = "O(N) where N is the number of client connections",
            Syntax = "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]", Handler = ClientList, AclCategories = ["@admin", "@slow", "@dangerous", "@connection"] },
        new() { Name = "setinfo", Arity = 4, Flags = ConnectionFlags, Group = "connection", Since = "7.2.0", Summary = "Sets information specific to the client or connection.",
            Syntax = "LIB-NAME libname|LIB-VER libver", Handler = ClientSetInfo, AclCategories = ["@slow", "@connection"] },
        new() { Name = "kill", Arity = -3, Flags = RespCommandFlags.Admin | RespCommandFlags.NoScript | RespCommandFlags.Loading | RespCommandFlags.Stale,
            Group = "connection", Since = "2.4.0", Summary = "Terminates open connections.", Complexity = "O(N) where N is the number of client connections",
            Syntax = "ID client-id", Handler = ClientKill, AclCategories = ["@admin", "@slow", "@dangerous", "@connection"] },
        new() { Name = "no-evict", Arity = 3, Flags = RespCommandFlags.Admin | ConnectionFlags, Group = "connection", Since = "7.0.0",
            Summary = "Sets the client eviction mode of the connection.", Syntax = "ON|OFF", Handler = OnOffAccepted, AclCategories = ["@admin", "@slow", "@dangerous", "@connection"] },
        new() { Name = "no-touch", Arity = 3, Flags = ConnectionFlags, Group = "connection", Since = "7.2.0",
            Summary = "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", Syntax = "ON|OFF", Handler = OnOffAccepted, AclCategories = ["@slow", "@connection"] },
        new() { Name = "help", Arity = 2, Flags = ConnectionFlags, Group = "connection", Since = "5.0.0", Summary = "Returns helpful text about the different subcommands.",
            Handler = (s, a, w) => Help(w, "CLIENT", ClientSubcommands()), AclCategories = ["@slow", "@connection"] },
    ];

    private static void Ping(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.Count > 2) w.Error(RespErrors.Arity("ping"));
        else if (a.Count == 2) w.Bulk(a[1]);
        else w.SimpleString("PONG"u8);
    }

    private static void Quit(RespSession s, RespCommandArgs a, RespWriter w)
    {
        w.Ok();
        s.Closing = true;
    }

    private static void Select(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (!RespArg.TryParseInt32(a[1], out int db))
        {
            w.Error(RespErrors.NotInteger);
            return;
        }
        if (db < 0 || db >= s.Store.Databases)
        {
            w.Error(RespErrors.DbIndexOutOfRange);
            return;
        }
        s.Db = db;
        w.Ok();
    }

    private static void Reset(RespSession s, RespCommandArgs a, RespWriter w)
    {
        s.Transaction = null;
        s.ClearWatches();
        s.Db = 0;
        s.Protocol = 2;
        w.Protocol = 2;
        s.Name = null;
        // RESET also forgets the authentication, as Redis's does.
        s.Authenticated = !s.Server.Auth.Required;
        w.SimpleString("RESET"u8);
    }

    private static void Auth(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.Count > 3)
        {
            w.Error(RespErrors.Syntax);
            return;
        }
        var guard = s.Server.Auth;
        // Without --requirepass the default user is "nopass": AUTH default <anything> succeeds and the
        // one-argument form is refused, as Redis does.
        if (a.Count == 2 && !guard.Required)
        {
            w.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
            return;
        }
        bool ok = a.Count == 2 ? guard.Verify(a[1]) : guard.Verify(a[1], a[2]);
        if (!ok)
        {
            // A failed AUTH leaves an authenticated connection authenticated, as in Redis.
            s.Server.Metrics.Rejected(Metrics.RejectReason.Unauthenticated);
            w.Error(RespErrors.WrongPass);
            return;
        }
        s.Authenticated = true;
        w.Ok();
    }

    private static void Hello(RespSession s, RespCommandArgs a, RespWriter w)
    {
        int protocol = s.Protocol;
        string? name = null;
        bool authenticates = false;
        if (a.Count >= 2)
        {
            if (!RespArg.TryParseInt64(a[1], out long version))
            {
                w.Error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (version is < 2 or > 3)
            {
                w.Error(RespErrors.NoProto);
                return;
            }
            protocol = (int)version;
            for (int i = 2; i < a.Count; i++)
            {
                if (a.EqualsIgnoreCase(i, "AUTH"u8) && i + 2 < a.Count)
                {
                    if (!s.Server.Auth.Verify(a[i + 1], a[i + 2]))
                    {
                        s.Server.Metrics.Rejected(Metrics.RejectReason.Unauthenticated);
                        w.Error(RespErrors.WrongPass);
                        return;
                    }
                    authenticates = true;
                    i += 2;
                }
                else if (a.EqualsIgnoreCase(i, "SETNAME"u8) && i + 1 < a.Count)
                {
                    if (!IsValidClientName(a[i + 1]))
                    {
                        w.Error(InvalidClientName);
                        return;
                    }
                    name = RespArg.ToText(a[i + 1]);
                    i++;
                }
                else
                {
                    w.Error($"ERR Syntax error in HELLO option '{RespArg.ToText(a[i])}'");
                    return;
                }
            }
        }
        if (!s.Authenticated && !authenticates)
        {
            s.Server.Metrics.Rejected(Metrics.RejectReason.Unauthenticated);
            w.Error(RespErrors.HelloNoAuth);
            return;
        }
        if (authenticates) s.Authenticated = true;
        if (name is not null) s.Name = name.Length == 0 ? null : name;
        s.Protocol = protocol;
        w.Protocol = protocol;
        w.MapHeader(7);
        w.BulkString("server"); w.BulkString("redis");
        w.BulkString("version"); w.BulkString(RedisCompatibleVersion);
        w.BulkString("proto"); w.Integer(protocol);
        w.BulkString("id"); w.Integer(s.Id);
        w.BulkString("mode"); w.BulkString("standalone");
        w.BulkString("role"); w.BulkString("master");
        w.BulkString("modules"); w.ArrayHeader(0);
    }

    /// <summary>The Redis version whose behaviour Purple's RESP surface follows; clients use it for feature detection.</summary>
    internal const string RedisCompatibleVersion = "7.0.0";

    private const string InvalidClientName = "ERR Client names cannot contain spaces, newlines or special characters.";

    private static bool IsValidClientName(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
        {
            if (b < '!' || b > '~') return false;
        }
        return true;
    }

    private static void Client(RespSession s, RespCommandArgs a, RespWriter w) => Dispatch(s, a, w, "client");

    private static void ClientSetName(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (!IsValidClientName(a[2]))
        {
            w.Error(InvalidClientName);
            return;
        }
        s.Name = a[2].IsEmpty ? null : RespArg.ToText(a[2]);
        w.Ok();
    }

    private static void ClientSetInfo(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (!IsValidClientName(a[3]))
        {
            w.Error("ERR lib-name cannot contain spaces, newlines or special characters.");
            return;
        }
        string value = RespArg.ToText(a[3]);
        if (a.EqualsIgnoreCase(2, "LIB-NAME"u8)) s.LibraryName = value;
        else if (a.EqualsIgnoreCase(2, "LIB-VER"u8)) s.LibraryVersion = value;
        else
        {
            w.Error($"ERR Unrecognized option '{RespArg.ToText(a[2])}'");
            return;
        }
        w.Ok();
    }

    private static void ClientList(RespSession s, RespCommandArgs a, RespWriter w)
    {
        HashSet<long>? ids = null;
        for (int i = 2; i < a.Count; i++)
        {
            if (a.EqualsIgnoreCase(i, "TYPE"u8) && i + 1 < a.Count)
            {
                i++;
                if (!a.EqualsIgnoreCase(i, "NORMAL"u8))
                {
                    // Purple has no replicas or pub/sub clients: those types list nobody.
                    if (a.EqualsIgnoreCase(i, "MASTER"u8) || a.EqualsIgnoreCase(i, "REPLICA"u8) || a.EqualsIgnoreCase(i, "PUBSUB"u8)) ids = [];
                    else
                    {
                        w.Error($"ERR Unknown client type '{RespArg.ToText(a[i])}'");
                        return;
                    }
                }
            }
            else if (a.EqualsIgnoreCase(i, "ID"u8) && i + 1 < a.Count)
            {
                ids ??= [];
                for (i++; i < a.Count; i++)
                {
                    if (!RespArg.TryParseInt64(a[i], out long id) || id <= 0)
                    {
                        w.Error("ERR Invalid client ID");
                        return;
                    }
                    ids.Add(id);
                }
            }
            else
            {
                w.Error(RespErrors.Syntax);
                return;
            }
        }
        var text = new StringBuilder();
        foreach (var other in s.Server.Clients.Sessions)
        {
            if (ids is null || ids.Contains(other.Id)) text.Append(ClientLine(other)).Append('\n');
        }
        w.Verbatim(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string ClientLine(RespSession c)
    {
        var now = c.Server.Time.GetUtcNow();
        long age = (long)(now - c.CreatedAt).TotalSeconds;
        long idle = (long)c.Server.Time.GetElapsedTime(c.LastInteractionTimestamp).TotalSeconds;
        string multi = c.Transaction is null ? "-1" : c.Transaction.Count.ToString(CultureInfo.InvariantCulture);
        string flags = c.Transaction is not null ? "x" : "N";
        return string.Create(CultureInfo.InvariantCulture,
            $"id={c.Id} addr={c.Remote} laddr={c.Local} fd=-1 name={c.Name} age={age} idle={idle} flags={flags} db={c.Db} sub=0 psub=0 ssub=0 multi={multi} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={c.LastCommand} user=default redir=-1 resp={c.Protocol} lib-name={c.LibraryName} lib-ver={c.LibraryVersion}");
    }

    private static void ClientKill(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.Count == 4 && a.EqualsIgnoreCase(2, "ID"u8))
        {
            if (!RespArg.TryParseInt64(a[3], out long id) || id <= 0)
            {
                w.Error("ERR client-id should be greater than 0");
                return;
            }
            if (s.Server.Clients.TryGet(id, out var target) && target is not null)
            {
                target.Kill();
                w.Integer(1);
            }
            else w.Integer(0);
            return;
        }
        if (a.Count == 3)
        {
            // CLIENT KILL addr:port (the old form).
            string addr = RespArg.ToText(a[2]);
            foreach (var other in s.Server.Clients.Sessions)
            {
                if (other.Remote?.ToString() == addr)
                {
                    other.Kill();
                    w.Ok();
                    return;
                }
            }
            w.Error("ERR No such client");
            return;
        }
        w.Error(RespErrors.Syntax);
    }

    private static void OnOffAccepted(RespSession s, RespCommandArgs a, RespWriter w)
    {
        if (a.EqualsIgnoreCase(2, "ON"u8) || a.EqualsIgnoreCase(2, "OFF"u8)) w.Ok();
        else w.Error(RespErrors.Syntax);
    }

    private static void Help(RespWriter w, string command, RespCommandSpec[] subcommands)
    {
        var lines = new List<string> { $"{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" };
        foreach (var sub in subcommands)
        {
            lines.Add($"{sub.Name.ToUpperInvariant()} {sub.Syntax}".TrimEnd());
            lines.Add($"    {sub.Summary}");
        }
        w.ArrayHeader(lines.Count);
        foreach (var line in lines) w.SimpleString(Encoding.UTF8.GetBytes(line));
    }
}
