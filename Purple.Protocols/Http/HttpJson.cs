using System.Text.Json;
using System.Text.Json.Serialization;

namespace Purple.Protocols.Http;

public sealed record CounterResponse(string Counter, long Value);

public sealed record SetResponse(string Set, IReadOnlyList<string> Items);

public sealed record FlagResponse(bool Value);

/// <summary>The original Purple's KV body: <c>{"content": "…"}</c>.</summary>
public sealed record KvContent(string? Content);

/// <summary>RFC 7807 problem details, as every error of the API is reported.</summary>
public sealed record Problem(string Type, string Title, int Status, string Detail, string? Instance = null);

/// <summary>System.Text.Json source generation for every body the API reads or writes (DESIGN §1).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CounterResponse))]
[JsonSerializable(typeof(SetResponse))]
[JsonSerializable(typeof(FlagResponse))]
[JsonSerializable(typeof(KvContent))]
[JsonSerializable(typeof(Problem))]
public sealed partial class HttpJsonContext : JsonSerializerContext;

/// <summary>Query parameters a route reads from the raw request (handlers take HttpContext), for the OpenAPI document.</summary>
/// <param name="Type">integer, boolean, string, or one of them followed by [] for a repeatable parameter.</param>
public sealed record QueryParameterDoc(string Name, string Type, string Description, bool Required = false);

/// <summary>Endpoint metadata listing a route's query parameters.</summary>
public sealed record QueryParametersDoc(IReadOnlyList<QueryParameterDoc> Parameters);
