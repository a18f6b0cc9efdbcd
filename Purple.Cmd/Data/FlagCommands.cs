using System.CommandLine;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>purple flag get|set: booleans; a missing flag is false.</summary>
internal static class FlagCommands
{
    public static Command Create(CliConsole console)
    {
        var flag = Keys.Family("flag", "Flags: true or false (a missing flag is false)", console, out var options);
        var get = Keys.KeyCommand("get", "Print the flag at KEY: true or false", "flag get", options, console, async (call, key) =>
            Write(call, key, await call.Client.FlagGetAsync(key, call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false)));

        var setKey = Keys.Argument();
        var value = new Argument<bool>("VALUE")
        {
            Description = "true or false (1 and 0 too, any case)",
            CustomParser = r =>
            {
                string text = r.Tokens[0].Value;
                if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text == "1") return true;
                if (text.Equals("false", StringComparison.OrdinalIgnoreCase) || text == "0") return false;
                r.AddError($"'{text}' is not a flag value; use true or false.");
                return false;
            },
        };
        var set = new Command("set", "Set the flag at KEY to true or false") { setKey, value };
        DataCall.Bind(set, "flag set", options, console, async (call, parse) =>
        {
            string key = parse.GetValue(setKey)!;
            bool v = parse.GetValue(value);
            await call.Client.FlagSetAsync(key, v, call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false);
            return Write(call, key, v);
        });

        flag.Add(get);
        flag.Add(set);
        return flag;
    }

    private static int Write(DataCall call, string key, bool value) =>
        call.Json ? call.WriteJson(key, w => w.WriteBoolean("value", value)) : call.WriteLine(value ? "true" : "false");
}
