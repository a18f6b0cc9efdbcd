using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;

namespace Purple.Protocols.Http;

// /sets/{key}: whole sets come back sorted bytewise (DESIGN §3).
public static partial class PurpleHttpApi
{
    private static void MapSets(IEndpointRouteBuilder app, HttpApiContext api)
    {
        app.MapGet("/sets/{**key}", (HttpContext c) => SetChange(c, api, change: null))
            .WithName("SetGet").WithSummary("Read a set as {\"set\", \"items\"}, items sorted bytewise; a missing set is empty.")
            .Produces<SetResponse>().Doc("sets").ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPut("/sets/{**key}", (HttpContext c) => SetChange(c, api, change: true))
            .WithName("SetAdd").WithSummary("Add the item query values and return the resulting set.")
            .Produces<SetResponse>().Doc("sets", new QueryParameterDoc("item", "string[]", "A member; repeat the parameter for several.", Required: true)).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status507InsufficientStorage);
        app.MapDelete("/sets/{**key}", (HttpContext c) => SetChange(c, api, change: false))
            .WithName("SetRemove").WithSummary("Remove the item query values and return the resulting set.")
            .Produces<SetResponse>().Doc("sets", new QueryParameterDoc("item", "string[]", "A member; repeat the parameter for several.", Required: true)).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static IResult SetChange(HttpContext c, HttpApiContext api, bool? change)
    {
        if (!TryTarget(c, api, "/sets/", out var key, out int db, out var problem)) return problem!;
        if (change is bool add)
        {
            var items = c.Request.Query["item"];
            if (items.Count == 0) return HttpProblems.BadRequest("Give at least one item query parameter.", c);
            var members = items.Select(i => Encoding.UTF8.GetBytes(i ?? "")).ToArray();
            var result = api.Store.Execute(add ? new SAddCommand(db, key, members) : new SRemCommand(db, key, members));
            if (!result.IsOk) return HttpProblems.FromError(result.Error, c);
        }
        var status = api.Store.SetMembers(db, key, out var all);
        if (status == ReadStatus.WrongType) return HttpProblems.FromError(PurpleError.WrongType, c);
        var sorted = (all ?? []).OrderBy(m => m, ByteOrder.Instance).Select(m => Encoding.UTF8.GetString(m)).ToList();
        return Results.Json(new SetResponse(KeyText(key), sorted), HttpJsonContext.Default.SetResponse);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
