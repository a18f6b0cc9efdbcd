using System.CommandLine;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>The pieces every data family (kv, cache, counter, set, flag) is built from.</summary>
internal static class Keys
{
    public static Argument<string> Argument() => new("KEY") { Description = "The key" };

    public static Argument<string> ValueArgument() => new("VALUE") { Description = "The value; \"-\" reads it from stdin, byte for byte" };

    /// <summary>A family command (`purple kv`) carrying the common options, which its subcommands inherit.</summary>
    public static Command Family(string name, string description, CliConsole console, out DataOptions options)
    {
        options = new DataOptions(console);
        var family = new Command(name, description);
        options.AddTo(family);
        return family;
    }

    /// <summary>A subcommand that takes KEY and nothing else (`get`, `del`); <paramref name="name"/> ("kv get") is for messages.</summary>
    public static Command KeyCommand(string verb, string description, string name, DataOptions options, CliConsole console, Func<DataCall, string, Task<int>> body)
    {
        var key = Argument();
        var command = new Command(verb, description) { key };
        DataCall.Bind(command, name, options, console, (call, parse) => body(call, parse.GetValue(key)!));
        return command;
    }

    /// <summary>del KEY: prints 1 when a value was deleted, 0 when there was none (like redis-cli DEL); both exit 0.</summary>
    public static Command DeleteCommand(string name, DataOptions options, CliConsole console, Func<DataCall, string, Task<bool>> delete) =>
        KeyCommand("del", "Delete KEY (prints 1 if it existed, 0 if not)", name, options, console, async (call, key) =>
        {
            bool deleted = await delete(call, key).ConfigureAwait(false);
            return call.Json ? call.WriteJson(key, w => w.WriteBoolean("deleted", deleted)) : call.WriteLine(deleted ? "1" : "0");
        });
}
