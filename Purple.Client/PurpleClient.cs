using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Purple.Protocols.Grpc.V1;

namespace Purple.Client;

/// <summary>A stored value and the content type it was stored with (empty when none).</summary>
public sealed record PurpleValue(byte[] Value, string ContentType);

/// <summary>
/// Purple's typed operations over gRPC (purple.v1.Purple) on HttpClient's HTTP/2 with prior knowledge (h2c).
/// Thread-safe; one instance per node is meant to be shared (it multiplexes calls on HTTP/2 connections).
/// Reads of a missing key return null (or 0 / false / empty, as Purple's data model says); failures throw a
/// <see cref="PurpleException"/> subclass. Every call takes a cancellation token and an optional deadline.
/// </summary>
public sealed class PurpleClient : IDisposable
{
    private const string Service = "/purple.v1.Purple/";
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly PurpleClientOptions _options;

    /// <param name="address">The node's gRPC endpoint, e.g. http://127.0.0.1:8081.</param>
    /// <remarks>An https:// address speaks h2 over TLS (ALPN); http:// speaks h2c.</remarks>
    public PurpleClient(Uri address, PurpleClientOptions? options = null)
        : this(new HttpClient(Handler(options)) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan }, options)
    {
        _ownsHttp = true;
    }

    private static SocketsHttpHandler Handler(PurpleClientOptions? options)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (options?.ClientCertificate is { } certificate) handler.SslOptions.ClientCertificates = [certificate];
        if (options?.TrustedCertificateAuthorities is { Count: > 0 } authorities)
            handler.SslOptions.RemoteCertificateValidationCallback = PrivateCaValidation.ChainsTo(authorities);
        return handler;
    }

    /// <summary>Uses a caller's HttpClient (its BaseAddress is the node's gRPC endpoint); it is not disposed with this client.</summary>
    public PurpleClient(HttpClient http, PurpleClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _options = options ?? new PurpleClientOptions();
    }

    // Cache: strings with a TTL.

    public async Task<byte[]?> CacheGetAsync(string key, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        (await GetOrNullAsync("CacheGet", key, db, deadline, cancellationToken).ConfigureAwait(false))?.Value;

    /// <param name="ttl">Time to live; null or zero: the node's default cache TTL.</param>
    public Task CacheSetAsync(string key, byte[] value, TimeSpan? ttl = null, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        CallAsync("CacheSet", new CacheSetRequest { Key = K(key), Value = ByteString.CopyFrom(value), TtlMs = (long)(ttl?.TotalMilliseconds ?? 0), Db = Db(db) },
            WriteResponse.Parser, deadline, cancellationToken);

    public async Task<bool> CacheDeleteAsync(string key, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        (await CallAsync("CacheDelete", KeyRequest(key, db), DeleteResponse.Parser, deadline, cancellationToken).ConfigureAwait(false)).Deleted;

    // Key/value: strings with a content type, no TTL.

    public Task<PurpleValue?> KvGetAsync(string key, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        GetOrNullAsync("KvGet", key, db, deadline, cancellationToken);

    public Task KvPutAsync(string key, byte[] value, string? contentType = null, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        CallAsync("KvPut", new KvPutRequest { Key = K(key), Value = ByteString.CopyFrom(value), ContentType = contentType ?? "", Db = Db(db) },
            WriteResponse.Parser, deadline, cancellationToken);

    public async Task<bool> KvDeleteAsync(string key, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        (await CallAsync("KvDelete", KeyRequest(key, db), DeleteResponse.Parser, deadline, cancellationToken).ConfigureAwait(false)).Deleted;

    // Counters: a missing counter is 0.

    public async Task<long> CounterGetAsync(string key, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        (await CallAsync("CounterGet", KeyRequest(key, db), CounterResponse.Parser, deadline, cancellationToken).ConfigureAwait(false)).Value;

    public async Task<long> CounterIncrementAsync(string key, long increment = 1, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        (await CallAsync("CounterIncrement", new CounterIncrementRequest { Key = K(key), Increment = increment, Db = Db(db) }, CounterResponse.Parser, deadline,
            cancellationToken).ConfigureAwait(false)).Value;

    // Sets: members come back sorted bytewise, as UTF-8 strings.

    public async Task<IReadOnlyList<string>> SetGetAsync(string key, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        Items(await CallAsync("SetGet", KeyRequest(key, db), SetResponse.Parser, deadline, cancellationToken).ConfigureAwait(false));

    public Task<IReadOnlyList<string>> SetAddAsync(string key, IEnumerable<string> items, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        SetChangeAsync("SetAdd", key, items, db, deadline, cancellationToken);

    public Task<IReadOnlyList<string>> SetRemoveAsync(string key, IEnumerable<string> items, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        SetChangeAsync("SetRemove", key, items, db, deadline, cancellationToken);

    // Flags: a missing flag is false.

    public async Task<bool> FlagGetAsync(string key, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        (await CallAsync("FlagGet", KeyRequest(key, db), FlagResponse.Parser, deadline, cancellationToken).ConfigureAwait(false)).Value;

    public Task FlagSetAsync(string key, bool value, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        CallAsync("FlagSet", new FlagSetRequest { Key = K(key), Value = value, Db = Db(db) }, FlagResponse.Parser, deadline, cancellationToken);

    // Batches.

    /// <summary>One entry per key, in order; null for a missing key (or one of another type).</summary>
    public async Task<IReadOnlyList<byte[]?>> BatchGetAsync(IEnumerable<string> keys, int? db = null, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        var request = new BatchGetRequest { Db = Db(db) };
        request.Keys.AddRange(keys.Select(K));
        var reply = await CallAsync("BatchGet", request, BatchGetResponse.Parser, deadline, cancellationToken).ConfigureAwait(false);
        return reply.Entries.Select(e => e.Found ? e.Value.ToByteArray() : null).ToList();
    }

    /// <summary>Stores every value atomically; with <paramref name="ttl"/>, each gets that TTL.</summary>
    public Task BatchSetAsync(IEnumerable<KeyValuePair<string, byte[]>> entries, TimeSpan? ttl = null, int? db = null, TimeSpan? deadline = null,
        CancellationToken cancellationToken = default)
    {
        var request = new BatchSetRequest { Db = Db(db), TtlMs = (long)(ttl?.TotalMilliseconds ?? 0) };
        request.Entries.AddRange(entries.Select(e => new BatchSetEntry { Key = K(e.Key), Value = ByteString.CopyFrom(e.Value) }));
        return CallAsync("BatchSet", request, WriteResponse.Parser, deadline, cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private static ByteString K(string key) => ByteString.CopyFromUtf8(key);

    private int Db(int? db) => db ?? _options.Database;

    private KeyRequest KeyRequest(string key, int? db) => new() { Key = K(key), Db = Db(db) };

    private static IReadOnlyList<string> Items(SetResponse reply) => reply.Items.Select(i => i.ToStringUtf8()).ToList();

    private async Task<IReadOnlyList<string>> SetChangeAsync(string method, string key, IEnumerable<string> items, int? db, TimeSpan? deadline, CancellationToken cancellationToken)
    {
        var request = new SetChangeRequest { Key = K(key), Db = Db(db) };
        request.Items.AddRange(items.Select(K));
        return Items(await CallAsync(method, request, SetResponse.Parser, deadline, cancellationToken).ConfigureAwait(false));
    }

    private async Task<PurpleValue?> GetOrNullAsync(string method, string key, int? db, TimeSpan? deadline, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await CallAsync(method, KeyRequest(key, db), ValueResponse.Parser, deadline, cancellationToken).ConfigureAwait(false);
            return new PurpleValue(reply.Value.ToByteArray(), reply.ContentType);
        }
        catch (PurpleNotFoundException)
        {
            return null;
        }
    }

    /// <summary>One unary call: framed request, grpc-timeout from the deadline, status from trailers (or trailers-only headers).</summary>
    private async Task<TReply> CallAsync<TReply>(string method, IMessage request, MessageParser<TReply> parser, TimeSpan? deadline, CancellationToken cancellationToken)
        where TReply : IMessage<TReply>
    {
        var body = new byte[5 + request.CalculateSize()];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)(body.Length - 5));
        request.WriteTo(body.AsSpan(5));
        using var message = new HttpRequestMessage(HttpMethod.Post, Service + method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        if (_options.Password is { } password) message.Headers.TryAddWithoutValidation("authorization", "Bearer " + password);
        var timeout = deadline ?? _options.DefaultDeadline;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            // grpc-timeout in milliseconds (at most 8 digits, as the spec allows).
            message.Headers.TryAddWithoutValidation("grpc-timeout", Math.Clamp((long)Math.Ceiling(t.TotalMilliseconds), 0, 99_999_999).ToString(CultureInfo.InvariantCulture) + "m");
            linked.CancelAfter(t);
        }
        HttpResponseMessage response;
        byte[] payload;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            payload = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout is not null)
        {
            throw new PurpleDeadlineExceededException($"{method}: deadline of {timeout} exceeded");
        }
        catch (HttpRequestException ex)
        {
            throw new PurpleUnavailableException($"{method}: {ex.Message}", ex);
        }
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
                throw new PurpleException(13, $"{method}: HTTP {(int)response.StatusCode} from the node (is this its gRPC port?)");
            string? status = Header(response, "grpc-status");
            if (status is null) throw new PurpleException(13, $"{method}: the reply carries no grpc-status");
            int code = int.Parse(status, CultureInfo.InvariantCulture);
            if (code != 0) throw PurpleException.For(code, $"{method}: {Uri.UnescapeDataString(Header(response, "grpc-message") ?? "")}");
            if (payload.Length < 5 || BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1)) != payload.Length - 5)
                throw new PurpleException(13, $"{method}: malformed reply frame");
            return parser.ParseFrom(payload.AsSpan(5));
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
        : response.Headers.TryGetValues(name, out var h) ? h.First() : null;
}
