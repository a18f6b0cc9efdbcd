using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Http;

// /flags/{key}: a string "true"/"false"; reads accept true/false/1/0 in any case; missing is false.
public static partial class PurpleHttpApi
{
    private static void MapFlags(IEndpointRouteBuilder app, HttpApiContext api)
    {
        app.MapGet("/flags/{**key}", (HttpContext c) => FlagGet(c, api))
            .WithName("FlagGet").WithSummary("Read a flag as {\"value\": bool}; a missing flag is false.")
            .Produces<FlagResponse>().Doc("flags").ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPut("/flags/{**key}", (HttpContext c) => FlagSet(c, api))
            .WithName("FlagSet").WithSummary("Set a flag with value=true or value=false (anything else is 400).")
            .Produces<FlagResponse>().Doc("flags", new QueryParameterDoc("value", "boolean", "true or false.", Required: true)).ProducesProblem(StatusCodes.Status507InsufficientStorage);
    }

    private static IResult FlagGet(HttpContext c, HttpApiContext api)
    {
        if (!TryTarget(c, api, "/flags/", out var key, out int db, out var problem)) return problem!;
        var status = api.Store.TryGet(db, key, out var item);
        if (status == ReadStatus.WrongType) return HttpProblems.FromError(PurpleError.WrongType, c);
        bool value = false;
        if (status == ReadStatus.Found && !FlagText.TryParse(item.Value, out value)) return HttpProblems.FromError(PurpleError.NotAFlag, c);
        return Results.Json(new FlagResponse(value), HttpJsonContext.Default.FlagResponse);
    }

    private static IResult FlagSet(HttpContext c, HttpApiContext api)
    {
        if (!TryTarget(c, api, "/flags/", out var key, out int db, out var problem)) return problem!;
        string? text = c.Request.Query["value"];
        bool value;
        if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase)) value = true;
        else if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase)) value = false;
        else return HttpProblems.BadRequest("value must be true or false.", c);
        var result = api.Store.Execute(new SetCommand(db, key, FlagText.Format(value)));
        return result.IsOk ? Results.Json(new FlagResponse(value), HttpJsonContext.Default.FlagResponse) : HttpProblems.FromError(result.Error, c);
    }
}
