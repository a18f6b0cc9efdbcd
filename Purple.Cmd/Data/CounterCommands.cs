using System.CommandLine;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>purple counter get|incr: base-10 int64 values; a missing counter is 0.</summary>
internal static class CounterCommands
{
    public static Command Create(CliConsole console)
    {
        var counter = Keys.Family("counter", "Counters: 64-bit integers (a missing counter is 0)", console, out var options);
        var get = Keys.KeyCommand("get", "Print the counter at KEY", "counter get", options, console, async (call, key) =>
        {
            long value = await call.Client.CounterGetAsync(key, call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false);
            return Write(call, key, value);
        });

        var incrKey = Keys.Argument();
        var by = new Option<long>("--by") { Description = "The increment; negative decrements", HelpName = "N", DefaultValueFactory = _ => 1 };
        var incr = new Command("incr", "Add to the counter at KEY and print the new value (overflow is refused, exit 3)") { incrKey, by };
        DataCall.Bind(incr, "counter incr", options, console, async (call, parse) =>
        {
            string key = parse.GetValue(incrKey)!;
            long value = await call.Client.CounterIncrementAsync(key, parse.GetValue(by), call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false);
            return Write(call, key, value);
        });

        counter.Add(get);
        counter.Add(incr);
        return counter;
    }

    private static int Write(DataCall call, string key, long value) =>
        call.Json ? call.WriteJson(key, w => w.WriteNumber("value", value)) : call.WriteLine(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
