using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Http;

// /counters/{key}: a string holding a base-10 int64, the same one INCRBY and memcached incr see.
public static partial class PurpleHttpApi
{
    private static void MapCounters(IEndpointRouteBuilder app, HttpApiContext api)
    {
        app.MapGet("/counters/{**key}", (HttpContext c) => CounterGet(c, api))
            .WithName("CounterGet").WithSummary("Read a counter as {\"counter\", \"value\"}; a missing counter is 0.")
            .Produces<CounterResponse>().Doc("counters").ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPut("/counters/{**key}", (HttpContext c) => CounterIncrement(c, api))
            .WithName("CounterIncrement").WithSummary("Add increment (default 1, may be negative) and return the new value.")
            .Produces<CounterResponse>().Doc("counters", new QueryParameterDoc("increment", "integer", "Amount to add (default 1; may be negative).")).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status507InsufficientStorage);
        app.MapPost("/counters/{**key}", (HttpContext c) => CounterIncrement(c, api))
            .WithName("CounterIncrementPost").WithSummary("As PUT: add increment (default 1) and return the new value.")
            .Produces<CounterResponse>().Doc("counters", new QueryParameterDoc("increment", "integer", "Amount to add (default 1; may be negative).")).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status507InsufficientStorage);
    }

    private static IResult CounterGet(HttpContext c, HttpApiContext api)
    {
        if (!TryTarget(c, api, "/counters/", out var key, out int db, out var problem)) return problem!;
        var status = api.Store.TryGet(db, key, out var item);
        if (status == ReadStatus.WrongType) return HttpProblems.FromError(PurpleError.WrongType, c);
        long value = 0;
        if (status == ReadStatus.Found && !CounterText.TryParse(item.Value, out value))
            return HttpProblems.FromError(PurpleError.NotInteger, c);
        return Results.Json(new CounterResponse(KeyText(key), value), HttpJsonContext.Default.CounterResponse);
    }

    private static IResult CounterIncrement(HttpContext c, HttpApiContext api)
    {
        if (!TryTarget(c, api, "/counters/", out var key, out int db, out var problem)) return problem!;
        long increment = 1;
        if (c.Request.Query.TryGetValue("increment", out var text) && !TryLong(text, out increment))
            return HttpProblems.BadRequest("increment must be a 64-bit integer.", c);
        var result = api.Store.Execute(new IncrByCommand(db, key, increment));
        return result.IsOk
            ? Results.Json(new CounterResponse(KeyText(key), result.Integer), HttpJsonContext.Default.CounterResponse)
            : HttpProblems.FromError(result.Error, c);
    }
}
