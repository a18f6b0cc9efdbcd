using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Purple.Protocols.Http;

namespace Purple.Node.Hosting;

/// <summary>
/// The API's handlers read the raw request (the key from the raw target, queries by hand), so ASP.NET
/// cannot infer their parameters; this adds what <see cref="QueryParametersDoc"/> declares, and the key.
/// </summary>
internal static class OpenApiQueryParameters
{
    public static Task Apply(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var doc = metadata.OfType<QueryParametersDoc>().LastOrDefault();
        if (doc is null) return Task.CompletedTask;
        operation.Parameters ??= [];
        if (context.Description.RelativePath?.Contains("key}", StringComparison.Ordinal) == true
            && !operation.Parameters.Any(p => p.Name == "key"))
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "key",
                In = ParameterLocation.Path,
                Required = true,
                Description = "The key, percent-encoded (any bytes; \"/\" as %2F).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
        foreach (var p in doc.Parameters)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = p.Name,
                In = ParameterLocation.Query,
                Required = p.Required,
                Description = p.Description,
                Schema = SchemaFor(p.Type),
                // A repeatable parameter (?item=a&item=b) is form style, exploded: OpenAPI's default for queries, stated.
                Style = p.Type.EndsWith("[]", StringComparison.Ordinal) ? ParameterStyle.Form : null,
                Explode = p.Type.EndsWith("[]", StringComparison.Ordinal),
            });
        }
        return Task.CompletedTask;
    }

    private static OpenApiSchema SchemaFor(string type) => type switch
    {
        "integer" => new OpenApiSchema { Type = JsonSchemaType.Integer },
        "boolean" => new OpenApiSchema { Type = JsonSchemaType.Boolean },
        _ when type.EndsWith("[]", StringComparison.Ordinal) => new OpenApiSchema { Type = JsonSchemaType.Array, Items = SchemaFor(type[..^2]) },
        _ => new OpenApiSchema { Type = JsonSchemaType.String },
    };
}
