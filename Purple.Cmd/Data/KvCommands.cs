using System.CommandLine;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>purple kv get|put|del: strings with a content type and no TTL.</summary>
internal static class KvCommands
{
    public static Command Create(CliConsole console)
    {
        var kv = Keys.Family("kv", "Key/value: strings kept until deleted", console, out var options);
        var get = Keys.KeyCommand("get", "Print the value at KEY (raw bytes; exit 2 when there is none)", "kv get", options, console, async (call, key) =>
        {
            var value = await call.Client.KvGetAsync(key, call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false);
            if (value is null) return call.Miss(key);
            if (!call.Json) return call.WriteValue(value.Value);
            return call.WriteJson(key, w =>
            {
                JsonOutput.WriteValue(w, value.Value);
                w.WriteString("contentType", value.ContentType);
            });
        });

        var putKey = Keys.Argument();
        var putValue = Keys.ValueArgument();
        var contentType = new Option<string>("--content-type") { Description = "Content type stored with the value (HTTP GET echoes it)", HelpName = "TYPE" };
        var put = new Command("put", "Store VALUE at KEY (\"-\": read the value from stdin)") { putKey, putValue, contentType };
        DataCall.Bind(put, "kv put", options, console, async (call, parse) =>
        {
            string key = parse.GetValue(putKey)!;
            byte[] value = await ValueInput.ReadValueAsync(parse.GetValue(putValue)!, console, call.Cancellation).ConfigureAwait(false);
            await call.Client.KvPutAsync(key, value, parse.GetValue(contentType), call.Db, cancellationToken: call.Cancellation).ConfigureAwait(false);
            return call.Json ? call.WriteJson(key, w => w.WriteBoolean("stored", true)) : call.WriteLine("OK");
        });

        kv.Add(get);
        kv.Add(put);
        kv.Add(Keys.DeleteCommand("kv del", options, console, (call, key) => call.Client.KvDeleteAsync(key, call.Db, cancellationToken: call.Cancellation)));
        return kv;
    }
}
