// bare-kestrel: the ceiling for Purple's HTTP/1.1 and gRPC benchmarks (bench/http.sh, bench/grpc.sh).
// The same Kestrel, GC and scheduling settings as purple-node, but every request is answered with a
// constant, so the difference to Purple is Purple's own request path (routing, key parsing, engine).
//
// usage: bare-kestrel [--host 127.0.0.1] [--http-port N] [--h2-port M] [--value-size 64] [--inline-io yes|no]
//   --http-port  HTTP/1.1: GET /kv/{key} -> value-size bytes of 'x' (application/octet-stream);
//                PUT /kv/{key} -> reads and discards the body, 204. 0 = off.
//   --h2-port    HTTP/2 only (h2c prior knowledge, as Purple's --grpc-port): any POST -> reads and
//                discards the body, answers one constant gRPC message shaped like purple.v1's
//                ValueResponse for that value, then the trailer grpc-status: 0. 0 = off.
//   --inline-io  as purple-node's (default yes): Kestrel's UnsafePreferInlineScheduling plus
//                DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 unless that is already set.
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

string host = "127.0.0.1";
int httpPort = 0, h2Port = 0, valueSize = 64;
bool inlineIo = true;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--host": host = args[i + 1]; break;
        case "--http-port": httpPort = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--h2-port": h2Port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--value-size": valueSize = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--inline-io": inlineIo = args[i + 1] == "yes"; break;
        default: Console.Error.WriteLine($"bare-kestrel: unknown option {args[i]}"); return 2;
    }
}
if (args.Length % 2 != 0 || (httpPort == 0 && h2Port == 0))
{
    Console.Error.WriteLine("usage: bare-kestrel [--host 127.0.0.1] [--http-port N] [--h2-port M] [--value-size 64] [--inline-io yes|no]");
    return 2;
}
// As Purple.Node/Program.cs: read by the socket engine when the first socket is created.
if (inlineIo && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

byte[] value = new byte[valueSize];
Array.Fill(value, (byte)'x');
// gRPC frame: flag 0, 4-byte big-endian length, then ValueResponse { bytes value = 1; string content_type = 2; }.
byte[] contentType = "application/octet-stream"u8.ToArray();
byte[] message = [0x0a, .. Varint(value.Length), .. value, 0x12, .. Varint(contentType.Length), .. contentType];
byte[] grpcFrame = [0, (byte)(message.Length >> 24), (byte)(message.Length >> 16), (byte)(message.Length >> 8), (byte)message.Length, .. message];

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.Logging.ClearProviders();
builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = inlineIo);
var address = IPAddress.Parse(host);
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Limits.MaxRequestBodySize = null;
    if (h2Port != 0) k.Listen(address, h2Port, l => l.Protocols = HttpProtocols.Http2);
    if (httpPort != 0) k.Listen(address, httpPort, l => l.Protocols = HttpProtocols.Http1);
});
var app = builder.Build();

// As PurpleHost: the HTTP/2 listener's requests skip routing and go to one RequestDelegate.
app.MapWhen(c => h2Port != 0 && c.Connection.LocalPort == h2Port, branch => branch.Run(async c =>
{
    if (!HttpMethods.IsPost(c.Request.Method))
    {
        c.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        return;
    }
    await Drain(c.Request.Body, c.RequestAborted).ConfigureAwait(false);
    c.Response.ContentType = "application/grpc";
    await c.Response.Body.WriteAsync(grpcFrame, c.RequestAborted).ConfigureAwait(false);
    c.Response.AppendTrailer("grpc-status", "0");
}));
app.MapGet("/kv/{key}", () => Results.Bytes(value, "application/octet-stream"));
app.MapPut("/kv/{key}", async (HttpContext c) =>
{
    await Drain(c.Request.Body, c.RequestAborted).ConfigureAwait(false);
    return Results.NoContent();
});

await app.StartAsync().ConfigureAwait(false);
Console.WriteLine($"bare-kestrel listening on {host}: http {httpPort}, h2 {h2Port}, inline-io {(inlineIo ? "yes" : "no")}, pid {Environment.ProcessId}");
await app.WaitForShutdownAsync().ConfigureAwait(false);
return 0;

static byte[] Varint(int n)
{
    var bytes = new List<byte>();
    for (uint v = (uint)n; ; v >>= 7)
    {
        if (v < 0x80)
        {
            bytes.Add((byte)v);
            return [.. bytes];
        }
        bytes.Add((byte)(v | 0x80));
    }
}

static async Task Drain(Stream body, CancellationToken ct)
{
    byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
    try
    {
        while (await body.ReadAsync(buffer, ct).ConfigureAwait(false) > 0) { }
    }
    finally
    {
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }
}
