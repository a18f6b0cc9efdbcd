using Microsoft.AspNetCore.Http;
using Purple.Core;

namespace Purple.Protocols.Http;

/// <summary>Builds RFC 7807 responses (application/problem+json) with the status each failure deserves.</summary>
internal static class HttpProblems
{
    public static IResult Of(int status, string title, string detail, HttpContext context) =>
        Results.Json(new Problem($"https://httpstatuses.io/{status}", title, status, detail, Instance(context)),
            HttpJsonContext.Default.Problem, contentType: "application/problem+json", statusCode: status);

    /// <summary>The path as the client sent it (the raw target without its query), not Kestrel's decoded and re-encoded form.</summary>
    private static string Instance(HttpContext context)
    {
        string? raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return context.Request.Path.ToString();
        int query = raw.IndexOf('?', StringComparison.Ordinal);
        return query >= 0 ? raw[..query] : raw;
    }

    public static IResult BadRequest(string detail, HttpContext context) => Of(StatusCodes.Status400BadRequest, "Bad request", detail, context);

    public static IResult NotFound(string detail, HttpContext context) => Of(StatusCodes.Status404NotFound, "Not found", detail, context);

    public static IResult TooLarge(string detail, HttpContext context) => Of(StatusCodes.Status413PayloadTooLarge, "Value too large", detail, context);

    /// <summary>
    /// The problem for a response that routing or the host ended with a bare status (an unknown route, a method a
    /// route does not take), so every HTTP error a client sees is problem+json, not an empty body.
    /// </summary>
    public static Task WriteForBareStatusAsync(HttpContext context)
    {
        int status = context.Response.StatusCode;
        var problem = status switch
        {
            StatusCodes.Status404NotFound => Of(status, "Not found", "No route matches this path; see /openapi/v1.json.", context),
            StatusCodes.Status405MethodNotAllowed => Of(status, "Method not allowed",
                $"{context.Request.Method} is not allowed here; the Allow header lists the methods that are.", context),
            _ => Of(status, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), "The request was refused.", context),
        };
        return problem.ExecuteAsync(context);
    }

    public static IResult FromError(PurpleError error, HttpContext context) => error switch
    {
        PurpleError.WrongType => Of(StatusCodes.Status409Conflict, "Wrong type", "The key holds a value of another type.", context),
        PurpleError.NotInteger => Of(StatusCodes.Status409Conflict, "Not a counter", "The key holds a value that is not a base-10 64-bit integer.", context),
        PurpleError.Overflow => Of(StatusCodes.Status409Conflict, "Counter overflow", "The increment would overflow a signed 64-bit integer.", context),
        PurpleError.NotAFlag => Of(StatusCodes.Status409Conflict, "Not a flag", "The key holds a value that is not true, false, 1 or 0.", context),
        PurpleError.OutOfMemory => Of(StatusCodes.Status507InsufficientStorage, "Out of memory",
            "The write would exceed the node's capacity and nothing can be evicted.", context),
        PurpleError.TooLarge => TooLarge("The value would exceed the size limit.", context),
        _ => Of(StatusCodes.Status500InternalServerError, "Internal error", error.ToString(), context),
    };
}
