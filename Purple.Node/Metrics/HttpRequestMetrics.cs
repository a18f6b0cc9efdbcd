using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Purple.Protocols.Metrics;

namespace Purple.Node.Metrics;

/// <summary>Times every HTTP request under its endpoint's name (KvGet, CachePut…), and counts 413s as refusals.</summary>
internal static class HttpRequestMetrics
{
    public static Func<HttpContext, RequestDelegate, Task> Middleware(ProtocolMetrics metrics) => async (context, next) =>
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var endpoint = context.GetEndpoint();
            // Unnamed endpoints (the OpenAPI document) by their display name; no endpoint at all is one name, so a
            // client probing paths cannot grow the series.
            string name = endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? endpoint?.DisplayName ?? "unmatched";
            metrics.Commands.Record(metrics.Commands.SlotFor(name), start);
            if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge) metrics.Rejected(RejectReason.TooLarge);
        }
    };
}
