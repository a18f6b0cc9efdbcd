using Google.Protobuf;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using Purple.Protocols.Grpc.V1;
using HttpApiContext = Purple.Protocols.Http.HttpApiContext;

namespace Purple.Protocols.Grpc;

/// <summary>purple.v1.Purple: the HTTP/JSON API's operations over gRPC, on the same engine and rules.</summary>
public sealed class PurpleV1Service
{
    public const string Name = "purple.v1.Purple";

    private readonly HttpApiContext _api;

    public PurpleV1Service(HttpApiContext api)
    {
        _api = api;
    }

    private IDataStore Store => _api.Store;

    public void Register(GrpcMethodTable methods)
    {
        methods
            .Add(Name, "CacheGet", KeyRequest.Parser, r => GetString(r, "cache entry"))
            .Add(Name, "CacheSet", CacheSetRequest.Parser, CacheSet)
            .Add(Name, "CacheDelete", KeyRequest.Parser, Delete)
            .Add(Name, "KvGet", KeyRequest.Parser, r => GetString(r, "value"))
            .Add(Name, "KvPut", KvPutRequest.Parser, KvPut)
            .Add(Name, "KvDelete", KeyRequest.Parser, Delete)
            .Add(Name, "CounterGet", KeyRequest.Parser, CounterGet)
            .Add(Name, "CounterIncrement", CounterIncrementRequest.Parser, CounterIncrement)
            .Add(Name, "SetGet", KeyRequest.Parser, r => Members(Db(r.Db), Key(r.Key)))
            .Add(Name, "SetAdd", SetChangeRequest.Parser, r => SetChange(r, add: true))
            .Add(Name, "SetRemove", SetChangeRequest.Parser, r => SetChange(r, add: false))
            .Add(Name, "FlagGet", KeyRequest.Parser, FlagGet)
            .Add(Name, "FlagSet", FlagSetRequest.Parser, FlagSet)
            .Add(Name, "BatchGet", BatchGetRequest.Parser, BatchGet)
            .Add(Name, "BatchSet", BatchSetRequest.Parser, BatchSet);
    }

    private int Db(int db) => db >= 0 && db < Store.Databases
        ? db
        : throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, $"db must be a database index between 0 and {Store.Databases - 1}");

    private static byte[] Key(ByteString key) => key.Length > 0
        ? key.ToByteArray()
        : throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "key is empty");

    /// <summary>
    /// A value or member as bytes, refused with RESOURCE_EXHAUSTED (HTTP's 413) when it is over the node's value
    /// limit (--proto-max-bulk-len), the same limit RESP and HTTP apply, so no protocol stores what another refuses.
    /// </summary>
    internal static byte[] Value(ByteString value, long max) => value.Length <= max
        ? value.ToByteArray()
        : throw TooLarge(max);

    internal static byte[] Value(string text, long max)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return bytes.Length <= max ? bytes : throw TooLarge(max);
    }

    private static GrpcStatusException TooLarge(long max) =>
        new(GrpcStatusCode.ResourceExhausted, $"the value is over {max} bytes") { Rejection = Metrics.RejectReason.TooLarge };

    private byte[] Value(ByteString value) => Value(value, _api.MaxValueBytes);

    /// <summary>The gRPC status for an engine error (DESIGN §7).</summary>
    internal static GrpcStatusException Failure(PurpleError error) => error switch
    {
        PurpleError.WrongType => new(GrpcStatusCode.FailedPrecondition, "WRONGTYPE the key holds a value of another type"),
        PurpleError.NotInteger => new(GrpcStatusCode.FailedPrecondition, "the key holds a value that is not a base-10 64-bit integer"),
        PurpleError.Overflow => new(GrpcStatusCode.FailedPrecondition, "increment would overflow a signed 64-bit integer"),
        PurpleError.NotAFlag => new(GrpcStatusCode.FailedPrecondition, "the key holds a value that is not true, false, 1 or 0"),
        PurpleError.OutOfMemory => new(GrpcStatusCode.ResourceExhausted, "out of memory: the write would exceed capacity and nothing can be evicted"),
        PurpleError.TooLarge => new(GrpcStatusCode.ResourceExhausted, "the value would exceed the size limit"),
        _ => new(GrpcStatusCode.Internal, error.ToString()),
    };

    private static void Check(in ExecResult result)
    {
        if (!result.IsOk) throw Failure(result.Error);
    }

    private ValueResponse GetString(KeyRequest r, string what)
    {
        var status = Store.TryGet(Db(r.Db), Key(r.Key), out var item);
        return status switch
        {
            ReadStatus.Found => new ValueResponse { Value = UnsafeByteOperations.UnsafeWrap(item.Value), ContentType = item.ContentType ?? "" },
            ReadStatus.WrongType => throw Failure(PurpleError.WrongType),
            _ => throw new GrpcStatusException(GrpcStatusCode.NotFound, $"no {what} with this key"),
        };
    }

    private WriteResponse CacheSet(CacheSetRequest r)
    {
        if (r.TtlMs < 0) throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "ttl_ms must be 0 (the default TTL) or more");
        long ttl = r.TtlMs == 0 ? (long)_api.CacheDefaultTtl.TotalMilliseconds : r.TtlMs;
        long now = _api.NowMs;
        long expiresAt = long.MaxValue - now > ttl ? now + ttl : long.MaxValue;
        Check(Store.Execute(new SetCommand(Db(r.Db), Key(r.Key), Value(r.Value), expiresAt,
            ContentType: r.ContentType.Length > 0 ? r.ContentType : null)));
        return new WriteResponse();
    }

    private WriteResponse KvPut(KvPutRequest r)
    {
        Check(Store.Execute(new SetCommand(Db(r.Db), Key(r.Key), Value(r.Value), ContentType: r.ContentType.Length > 0 ? r.ContentType : null)));
        return new WriteResponse();
    }

    private DeleteResponse Delete(KeyRequest r) =>
        new() { Deleted = Store.Execute(new DeleteCommand(Db(r.Db), [Key(r.Key)])).Integer > 0 };

    private CounterResponse CounterGet(KeyRequest r)
    {
        var key = Key(r.Key);
        var status = Store.TryGet(Db(r.Db), key, out var item);
        if (status == ReadStatus.WrongType) throw Failure(PurpleError.WrongType);
        long value = 0;
        if (status == ReadStatus.Found && !CounterText.TryParse(item.Value, out value)) throw Failure(PurpleError.NotInteger);
        return new CounterResponse { Key = r.Key, Value = value };
    }

    private CounterResponse CounterIncrement(CounterIncrementRequest r)
    {
        var result = Store.Execute(new IncrByCommand(Db(r.Db), Key(r.Key), r.Increment));
        Check(result);
        return new CounterResponse { Key = r.Key, Value = result.Integer };
    }

    private SetResponse SetChange(SetChangeRequest r, bool add)
    {
        int db = Db(r.Db);
        var key = Key(r.Key);
        if (r.Items.Count == 0) throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "items is empty");
        var members = r.Items.Select(i => Value(i)).ToArray();
        Check(Store.Execute(add ? new SAddCommand(db, key, members) : new SRemCommand(db, key, members)));
        return Members(db, key);
    }

    private SetResponse Members(int db, byte[] key)
    {
        if (Store.SetMembers(db, key, out var members) == ReadStatus.WrongType) throw Failure(PurpleError.WrongType);
        var response = new SetResponse { Key = UnsafeByteOperations.UnsafeWrap(key) };
        foreach (var m in (members ?? []).OrderBy(m => m, ByteOrder.Instance)) response.Items.Add(UnsafeByteOperations.UnsafeWrap(m));
        return response;
    }

    private FlagResponse FlagGet(KeyRequest r)
    {
        var status = Store.TryGet(Db(r.Db), Key(r.Key), out var item);
        if (status == ReadStatus.WrongType) throw Failure(PurpleError.WrongType);
        bool value = false;
        if (status == ReadStatus.Found && !FlagText.TryParse(item.Value, out value)) throw Failure(PurpleError.NotAFlag);
        return new FlagResponse { Value = value };
    }

    private FlagResponse FlagSet(FlagSetRequest r)
    {
        Check(Store.Execute(new SetCommand(Db(r.Db), Key(r.Key), FlagText.Format(r.Value))));
        return new FlagResponse { Value = r.Value };
    }

    private BatchGetResponse BatchGet(BatchGetRequest r)
    {
        int db = Db(r.Db);
        var keys = r.Keys.Select(Key).ToArray();
        var values = Store.GetMany(db, keys);
        var response = new BatchGetResponse();
        for (int i = 0; i < keys.Length; i++)
        {
            response.Entries.Add(new BatchGetEntry
            {
                Key = r.Keys[i],
                Found = values[i] is not null,
                Value = values[i] is { } v ? UnsafeByteOperations.UnsafeWrap(v) : ByteString.Empty,
            });
        }
        return response;
    }

    private WriteResponse BatchSet(BatchSetRequest r)
    {
        int db = Db(r.Db);
        if (r.TtlMs < 0) throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "ttl_ms must be 0 (no TTL) or more");
        var keys = r.Entries.Select(e => Key(e.Key)).ToArray();
        var values = r.Entries.Select(e => Value(e.Value)).ToArray();
        if (r.TtlMs == 0)
        {
            Check(Store.Execute(new MSetCommand(db, keys, values)));
            return new WriteResponse();
        }
        long expiresAt = _api.NowMs + r.TtlMs;
        // With a TTL: every key written under all shard locks, so readers see all or none of the batch.
        var failure = Store.Atomically(() =>
        {
            for (int i = 0; i < keys.Length; i++)
            {
                var result = Store.Execute(new SetCommand(db, keys[i], values[i], expiresAt));
                if (!result.IsOk) return result.Error;
            }
            return PurpleError.None;
        });
        if (failure != PurpleError.None) throw Failure(failure);
        return new WriteResponse();
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
