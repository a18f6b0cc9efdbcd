using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Http;

/// <summary>
/// Purple's HTTP/JSON resources (DESIGN §7): /cache, /kv, /counters, /sets, /flags, each on the shared engine.
/// Values travel as raw bodies with their content type; counters, sets and flags as JSON; every error is an
/// RFC 7807 problem. Keys are the rest of the path, percent-decoded once; every route takes an optional db.
/// Handlers are grouped by resource in the partial files.
/// </summary>
public static partial class PurpleHttpApi
{
    public static IEndpointRouteBuilder MapPurpleHttpApi(this IEndpointRouteBuilder routes, HttpApiContext api)
    {
        IEndpointRouteBuilder app = routes;
        if (api.Durability is not null || api.StoreMayFail)
        {
            // With durable storage a response waits until the journal has what it reports (docs/storage.md). The filter
            // runs after the handler has executed its write and before the result is written, so nothing is sent early.
            // A store that fails a call (an unreachable Redis) gives 503, an operation the mode lacks 501.
            var durability = api.Durability;
            var group = routes.MapGroup("");
            group.AddEndpointFilter(async (context, next) =>
            {
                try
                {
                    var result = await next(context).ConfigureAwait(false);
                    await durability.WhenSafeAsync(context.HttpContext.RequestAborted).ConfigureAwait(false);
                    return result;
                }
                catch (StorageException ex)
                {
                    return ex is StorageNotSupportedException
                        ? Results.Problem(statusCode: StatusCodes.Status501NotImplemented, title: "Not supported by this storage mode", detail: ex.Message)
                        : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage unavailable", detail: ex.Message);
                }
            });
            app = group;
        }
        MapCache(app, api);
        MapKv(app, api);
        MapCounters(app, api);
        MapSets(app, api);
        MapFlags(app, api);
        return app;
    }

    /// <summary>
    /// Responses that end with a bare error status (no route, a method the route does not take) get a problem
    /// body too. Register after any branch that must keep its own error bodies (the gRPC listener's).
    /// </summary>
    public static IApplicationBuilder UseProblemsForBareStatuses(this IApplicationBuilder app) =>
        app.UseStatusCodePages(c => HttpProblems.WriteForBareStatusAsync(c.HttpContext));

    /// <summary>The key and db of a request, or the problem to answer instead.</summary>
    private static bool TryTarget(HttpContext context, HttpApiContext api, string prefix, out byte[] key, out int db, out IResult? problem)
    {
        key = [];
        problem = null;
        db = HttpRequestParts.Db(context, api.Store.Databases, out string? dbError);
        if (dbError is not null)
        {
            problem = HttpProblems.BadRequest(dbError, context);
            return false;
        }
        var decoded = HttpRequestParts.Key(context, prefix);
        if (decoded is null || decoded.Length == 0)
        {
            problem = HttpProblems.BadRequest("The key is missing or not validly percent-encoded.", context);
            return false;
        }
        key = decoded;
        return true;
    }

    private static IResult Value(in StringItem item) =>
        Results.Bytes(item.Value, item.ContentType ?? "application/octet-stream");

    private static IResult ReadString(HttpApiContext api, HttpContext context, int db, byte[] key, string what)
    {
        return api.Store.TryGet(db, key, out var item) switch
        {
            ReadStatus.Found => Value(item),
            ReadStatus.WrongType => HttpProblems.FromError(Core.PurpleError.WrongType, context),
            _ => HttpProblems.NotFound($"No {what} with this key.", context),
        };
    }

    private static IResult DeleteKey(HttpApiContext api, HttpContext context, int db, byte[] key, string what)
    {
        var result = api.Store.Execute(new DeleteCommand(db, [key]));
        return result.Integer > 0 ? Results.NoContent() : HttpProblems.NotFound($"No {what} with this key.", context);
    }

    private static IResult Stored(in ExecResult result, HttpContext context) =>
        result.IsOk ? Results.NoContent() : HttpProblems.FromError(result.Error, context);

    private static bool TryLong(string? text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static string KeyText(byte[] key) => Encoding.UTF8.GetString(key);

    private static readonly QueryParameterDoc DbParameter = new("db", "integer", "Database index (default 0).");

    /// <summary>Documents a route for OpenAPI: its query parameters (db on every one), its body and its replies.</summary>
    private static RouteHandlerBuilder Doc(this RouteHandlerBuilder route, string tag, params QueryParameterDoc[] query) =>
        route.WithTags(tag).WithMetadata(new QueryParametersDoc([DbParameter, .. query]))
            .ProducesProblem(StatusCodes.Status400BadRequest);
}
