using System.CommandLine;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>purple cache get|set|del: strings with a TTL (the node's default cache TTL when none is given).</summary>
internal static class CacheCommands
{
    public static Command Create(CliConsole console)
    {
        var cache = Keys.Family("cache", "Cache: strings that expire", console, out var options);
        var get = Keys.KeyCommand("get", "Print the value at KEY (raw bytes; exit 2 when missing or expired)", "cache get", options, console, async (call, key) =>
        {
            byte[]? value = await call.Client.CacheGetAsync(key, call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false);
            if (value is null) return call.Miss(key);
            return call.Json ? call.WriteJson(key, w => JsonOutput.WriteValue(w, value)) : call.WriteValue(value);
        });

        var setKey = Keys.Argument();
        var setValue = Keys.ValueArgument();
        var ttl = new Option<TimeSpan?>("--ttl")
        {
            Description = "Time to live (500ms, 60s, 5m, 1h) [default: the node's --cache-default-ttl]",
            HelpName = "DURATION",
            CustomParser = r => Durations.ParsePositive(r),
        };
        var set = new Command("set", "Store VALUE at KEY with a TTL (\"-\": read the value from stdin)") { setKey, setValue, ttl };
        DataCall.Bind(set, "cache set", options, console, async (call, parse) =>
        {
            string key = parse.GetValue(setKey)!;
            byte[] value = await ValueInput.ReadValueAsync(parse.GetValue(setValue)!, console, call.Cancellation).ConfigureAwait(false);
            var lifetime = parse.GetValue(ttl);
            await call.Client.CacheSetAsync(key, value, lifetime, call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false);
            if (!call.Json) return call.WriteLine("OK");
            return call.WriteJson(key, w =>
            {
                w.WriteBoolean("stored", true);
                // null: the node's default TTL applied, which the gRPC reply does not say.
                if (lifetime is { } t) w.WriteNumber("ttlMs", (long)t.TotalMilliseconds);
                else w.WriteNull("ttlMs");
            });
        });

        cache.Add(get);
        cache.Add(set);
        cache.Add(Keys.DeleteCommand("cache del", options, console, (call, key) => call.Client.CacheDeleteAsync(key, call.Db, cancellationToken: call.Cancellation)));
        return cache;
    }
}
