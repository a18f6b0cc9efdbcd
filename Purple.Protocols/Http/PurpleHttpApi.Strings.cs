using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Purple.Core.Commands;

namespace Purple.Protocols.Http;

// /cache/{key} (strings with a TTL) and /kv/{key} (strings without one).
public static partial class PurpleHttpApi
{
    private static void MapCache(IEndpointRouteBuilder app, HttpApiContext api)
    {
        app.MapGet("/cache/{**key}", (HttpContext c) =>
                TryTarget(c, api, "/cache/", out var key, out int db, out var problem) ? ReadString(api, c, db, key, "cache entry") : problem!)
            .WithName("CacheGet").WithSummary("Read a cache entry: the raw value with its stored content type; 404 when missing or expired.")
            .Doc("cache").Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPut("/cache/{**key}", (Func<HttpContext, Task<IResult>>)(c => CachePutAsync(c, api)))
            .WithName("CacheSet").WithSummary("Store a cache entry from the raw body (or the value query) with ttl seconds or ttl_ms; 0 or none means the default TTL.")
            .Doc("cache", new QueryParameterDoc("ttl", "integer", "Time to live in seconds; 0 or absent: the default TTL."), new("ttl_ms", "integer", "Time to live in milliseconds."),
                new("value", "string", "The value, for clients that do not send a body (the original Purple's)."))
            .Accepts<byte[]>("application/octet-stream", "*/*").Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status507InsufficientStorage);
        app.MapDelete("/cache/{**key}", (HttpContext c) =>
                TryTarget(c, api, "/cache/", out var key, out int db, out var problem) ? DeleteKey(api, c, db, key, "cache entry") : problem!)
            .WithName("CacheDelete").WithSummary("Delete a cache entry; 404 when missing.")
            .Doc("cache").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> CachePutAsync(HttpContext c, HttpApiContext api)
    {
        if (!TryTarget(c, api, "/cache/", out var key, out int db, out var problem)) return problem!;
        var query = c.Request.Query;
        long ttlMs;
        if (query.ContainsKey("ttl") && query.ContainsKey("ttl_ms")) return HttpProblems.BadRequest("Give ttl (seconds) or ttl_ms, not both.", c);
        if (query.TryGetValue("ttl", out var ttl))
        {
            if (!TryLong(ttl, out long seconds) || seconds < 0 || seconds > long.MaxValue / 1000) return HttpProblems.BadRequest("ttl must be a whole number of seconds, 0 or more.", c);
            ttlMs = seconds * 1000;
        }
        else if (query.TryGetValue("ttl_ms", out var ttlMsText))
        {
            if (!TryLong(ttlMsText, out ttlMs) || ttlMs < 0) return HttpProblems.BadRequest("ttl_ms must be a whole number of milliseconds, 0 or more.", c);
        }
        else ttlMs = 0;
        // DESIGN §3: 0 means "use the default", never "expire now" or "forever".
        if (ttlMs == 0) ttlMs = (long)api.CacheDefaultTtl.TotalMilliseconds;
        var (body, tooLarge) = await HttpRequestParts.BodyAsync(c, api.MaxValueBytes).ConfigureAwait(false);
        if (tooLarge) return HttpProblems.TooLarge($"The value is over {api.MaxValueBytes} bytes.", c);
        string? contentType = c.Request.ContentType;
        if (body!.Length == 0 && query.TryGetValue("value", out var fromQuery))
        {
            // The original Purple's clients send the value as a query parameter.
            body = Encoding.UTF8.GetBytes(fromQuery.ToString());
            contentType ??= "text/plain; charset=utf-8";
        }
        long expiresAt = long.MaxValue - api.NowMs > ttlMs ? api.NowMs + ttlMs : long.MaxValue;
        return Stored(api.Store.Execute(new SetCommand(db, key, body, expiresAt, ContentType: contentType)), c);
    }

    private static void MapKv(IEndpointRouteBuilder app, HttpApiContext api)
    {
        app.MapGet("/kv/{**key}", (HttpContext c) =>
                TryTarget(c, api, "/kv/", out var key, out int db, out var problem) ? ReadString(api, c, db, key, "value") : problem!)
            .WithName("KvGet").WithSummary("Read a value: the raw bytes with the content type they were stored with; 404 when missing.")
            .Doc("kv").Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPut("/kv/{**key}", (Func<HttpContext, Task<IResult>>)(c => KvPutAsync(c, api)))
            .WithName("KvPut").WithSummary("Store the raw body under the key, with its content type (JSON {\"content\": …} is unwrapped as the original Purple sent it).")
            .Doc("kv").Accepts<byte[]>("application/octet-stream", "application/json", "*/*").Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status507InsufficientStorage);
        app.MapDelete("/kv/{**key}", (HttpContext c) =>
                TryTarget(c, api, "/kv/", out var key, out int db, out var problem) ? DeleteKey(api, c, db, key, "value") : problem!)
            .WithName("KvDelete").WithSummary("Delete a value; 404 when missing.")
            .Doc("kv").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> KvPutAsync(HttpContext c, HttpApiContext api)
    {
        if (!TryTarget(c, api, "/kv/", out var key, out int db, out var problem)) return problem!;
        var (body, tooLarge) = await HttpRequestParts.BodyAsync(c, api.MaxValueBytes).ConfigureAwait(false);
        if (tooLarge) return HttpProblems.TooLarge($"The value is over {api.MaxValueBytes} bytes.", c);
        string? contentType = c.Request.ContentType;
        if (contentType is not null && contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && TryOriginalContent(body!, out string? content))
        {
            body = Encoding.UTF8.GetBytes(content);
            contentType = "text/plain; charset=utf-8";
        }
        return Stored(api.Store.Execute(new SetCommand(db, key, body!, ContentType: contentType)), c);
    }

    /// <summary>True for exactly <c>{"content": "text"}</c>, the body the original Purple's KV client sent.</summary>
    private static bool TryOriginalContent(byte[] body, out string content)
    {
        content = "";
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            int properties = 0;
            foreach (var _ in root.EnumerateObject()) properties++;
            if (properties != 1 || !root.TryGetProperty("content", out var value) || value.ValueKind != JsonValueKind.String) return false;
            content = value.GetString()!;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
