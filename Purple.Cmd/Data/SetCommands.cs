using System.CommandLine;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>purple set get|add|rm: sets of strings, printed sorted bytewise, one member per line.</summary>
internal static class SetCommands
{
    public static Command Create(CliConsole console)
    {
        var set = Keys.Family("set", "Sets: unordered members (a missing set is empty)", console, out var options);
        var get = Keys.KeyCommand("get", "Print the members of the set at KEY, one per line", "set get", options, console, async (call, key) =>
            Write(call, key, await call.Client.SetGetAsync(key, call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false)));

        set.Add(get);
        set.Add(Change("add", "Add ITEMS to the set at KEY and print its members", "set add", options, console,
            (call, key, items) => call.Client.SetAddAsync(key, items, call.Db, cancellationToken: call.Cancellation)));
        set.Add(Change("rm", "Remove ITEMS from the set at KEY and print its members", "set rm", options, console,
            (call, key, items) => call.Client.SetRemoveAsync(key, items, call.Db, cancellationToken: call.Cancellation)));
        return set;
    }

    private static Command Change(string verb, string description, string name, DataOptions options, CliConsole console,
        Func<DataCall, string, IReadOnlyList<string>, Task<IReadOnlyList<string>>> change)
    {
        var key = Keys.Argument();
        var items = new Argument<string[]>("ITEMS")
        {
            Description = "Members; a single \"-\" reads them from stdin, one per line",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command(verb, description) { key, items };
        DataCall.Bind(command, name, options, console, async (call, parse) =>
        {
            string k = parse.GetValue(key)!;
            var members = await ValueInput.ReadItemsAsync(parse.GetValue(items)!, console, call.Cancellation).ConfigureAwait(false);
            if (members.Count == 0) return call.Fail(ExitCodes.Usage, "no items on stdin");
            return Write(call, k, await change(call, k, members).ConfigureAwait(false));
        });
        return command;
    }

    private static int Write(DataCall call, string key, IReadOnlyList<string> members)
    {
        if (call.Json)
        {
            return call.WriteJson(key, w =>
            {
                w.WriteStartArray("items");
                foreach (var m in members) w.WriteStringValue(m);
                w.WriteEndArray();
            });
        }
        foreach (var m in members) call.Console.Out.WriteLine(m);
        return ExitCodes.Ok;
    }
}
