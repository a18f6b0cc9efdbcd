using System.CommandLine;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>The arguments and the delete subcommand that kv and cache share.</summary>
internal static class Keys
{
    public static Argument<string> Argument() => new("KEY") { Description = "The key" };

    public static Argument<string> ValueArgument() => new("VALUE") { Description = "The value; \"-\" reads it from stdin, byte for byte" };

    /// <summary>del KEY: prints 1 when a value was deleted, 0 when there was none (like redis-cli DEL); both exit 0.</summary>
    public static Command DeleteCommand(string name, DataOptions options, CliConsole console, Func<DataCall, string, Task<bool>> delete)
    {
        var key = Argument();
        var del = new Command("del", "Delete KEY (prints 1 if it existed, 0 if not)") { key };
        DataCall.Bind(del, name, options, console, async (call, parse) =>
        {
            string k = parse.GetValue(key)!;
            bool deleted = await delete(call, k).ConfigureAwait(false);
            return call.Json ? call.WriteJson(k, w => w.WriteBoolean("deleted", deleted)) : call.WriteLine(deleted ? "1" : "0");
        });
        return del;
    }
}
