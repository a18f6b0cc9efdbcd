using System.Text;
using Google.Protobuf;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using OriginalPurple = Purple.Protocols.Grpc.Compat.Purple;
using GerduWire = Purple.Protocols.Grpc.Compat.Gerdu;
using HttpApiContext = Purple.Protocols.Http.HttpApiContext;

namespace Purple.Protocols.Grpc;

/// <summary>
/// The original Purple's services (package proto: Cache, Counter, Flag, KV, Set) and Gerdu's gerdu.Gerdu, wire
/// compatible so their generated clients work unchanged (docs/grpc-compat.md). They use database 0 and string
/// keys. Where the originals answered wrongly, these answer correctly: a miss is NOT_FOUND, never an OK with an
/// empty value or UNKNOWN; a request missing a required sub-message is INVALID_ARGUMENT, not a crash.
/// </summary>
public sealed class CompatServices
{
    private const int Db = 0;
    private readonly HttpApiContext _api;

    public CompatServices(HttpApiContext api)
    {
        _api = api;
    }

    public static IReadOnlyList<string> Names { get; } = ["proto.Cache", "proto.Counter", "proto.Flag", "proto.KV", "proto.Set", "gerdu.Gerdu"];

    private IDataStore Store => _api.Store;

    public void Register(GrpcMethodTable methods)
    {
        methods
            .Add("proto.Cache", "CacheGet", OriginalPurple.CacheGetRequest.Parser, CacheGet)
            .Add("proto.Cache", "CacheSet", OriginalPurple.CacheSetRequest.Parser, CacheSet)
            .Add("proto.Counter", "CounterGet", OriginalPurple.GetCounterRequest.Parser, r => new OriginalPurple.GetCounterResponse { Value = CounterValue(Key(r.Key)) })
            .Add("proto.Counter", "CounterIncrement", OriginalPurple.IncrementCounterRequest.Parser, CounterIncrement)
            .Add("proto.Flag", "FlagGet", OriginalPurple.FlagGetRequest.Parser, FlagGet)
            .Add("proto.Flag", "FlagSet", OriginalPurple.FlagSetRequest.Parser, FlagSet)
            .Add("proto.KV", "KVGet", OriginalPurple.Location.Parser, KvGet)
            .Add("proto.KV", "KVPut", OriginalPurple.PutRequest.Parser, KvPut)
            .Add("proto.KV", "KVDelete", OriginalPurple.Location.Parser, KvDelete)
            .Add("proto.Set", "SetGet", OriginalPurple.GetSetRequest.Parser, r => Members(Key(r.Set)))
            .Add("proto.Set", "SetAdd", OriginalPurple.ModifySetRequest.Parser, r => SetChange(r, add: true))
            .Add("proto.Set", "SetRemove", OriginalPurple.ModifySetRequest.Parser, r => SetChange(r, add: false))
            .Add("gerdu.Gerdu", "Put", GerduWire.PutRequest.Parser, GerduPut)
            .Add("gerdu.Gerdu", "Get", GerduWire.GetRequest.Parser, GerduGet)
            .Add("gerdu.Gerdu", "Delete", GerduWire.DeleteRequest.Parser, r => new GerduWire.DeleteResponse { Deleted = Delete(Key(r.Key)) });
    }

    private static byte[] Key(string key) => key.Length > 0
        ? Encoding.UTF8.GetBytes(key)
        : throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "key is empty");

    private static void Check(in ExecResult result)
    {
        if (!result.IsOk) throw PurpleV1Service.Failure(result.Error);
    }

    private byte[] Read(byte[] key, string what)
    {
        return Store.TryGet(Db, key, out var item) switch
        {
            ReadStatus.Found => item.Value,
            ReadStatus.WrongType => throw PurpleV1Service.Failure(PurpleError.WrongType),
            _ => throw new GrpcStatusException(GrpcStatusCode.NotFound, $"no {what} found for {Encoding.UTF8.GetString(key)}"),
        };
    }

    private bool Delete(byte[] key) => Store.Execute(new DeleteCommand(Db, [key])).Integer > 0;

    private OriginalPurple.CacheGetResponse CacheGet(OriginalPurple.CacheGetRequest r) =>
        new() { Value = Encoding.UTF8.GetString(Read(Key(r.Key), "cache entry")) };

    private OriginalPurple.Empty CacheSet(OriginalPurple.CacheSetRequest r)
    {
        var key = Key(r.Key);
        if (r.Item is null) throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "item is required");
        if (r.Item.Ttl < 0) throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "ttl must be 0 (the default TTL) or more seconds");
        // The original's ttl is seconds, and 0 meant its 5 s default: here the node's default cache TTL.
        long ttlMs = r.Item.Ttl == 0 ? (long)_api.CacheDefaultTtl.TotalMilliseconds : r.Item.Ttl * 1000L;
        Check(Store.Execute(new SetCommand(Db, key, PurpleV1Service.Value(r.Item.Value, _api.MaxValueBytes), _api.NowMs + ttlMs)));
        return new OriginalPurple.Empty();
    }

    private long CounterValue(byte[] key)
    {
        var status = Store.TryGet(Db, key, out var item);
        if (status == ReadStatus.WrongType) throw PurpleV1Service.Failure(PurpleError.WrongType);
        if (status == ReadStatus.Missing) return 0;
        return CounterText.TryParse(item.Value, out long value) ? value : throw PurpleV1Service.Failure(PurpleError.NotInteger);
    }

    private OriginalPurple.GetCounterResponse CounterIncrement(OriginalPurple.IncrementCounterRequest r)
    {
        var result = Store.Execute(new IncrByCommand(Db, Key(r.Key), r.Amount));
        Check(result);
        return new OriginalPurple.GetCounterResponse { Value = result.Integer };
    }

    private OriginalPurple.FlagResponse FlagGet(OriginalPurple.FlagGetRequest r)
    {
        var status = Store.TryGet(Db, Key(r.Key), out var item);
        if (status == ReadStatus.WrongType) throw PurpleV1Service.Failure(PurpleError.WrongType);
        bool value = false;
        if (status == ReadStatus.Found && !FlagText.TryParse(item.Value, out value)) throw PurpleV1Service.Failure(PurpleError.NotAFlag);
        return new OriginalPurple.FlagResponse { Value = value };
    }

    private OriginalPurple.Empty FlagSet(OriginalPurple.FlagSetRequest r)
    {
        Check(Store.Execute(new SetCommand(Db, Key(r.Key), FlagText.Format(r.Value))));
        return new OriginalPurple.Empty();
    }

    private OriginalPurple.GetResponse KvGet(OriginalPurple.Location r) =>
        new() { Value = new OriginalPurple.Value { Content = UnsafeByteOperations.UnsafeWrap(Read(Key(r.Key), "value")) } };

    private OriginalPurple.Empty KvPut(OriginalPurple.PutRequest r)
    {
        if (r.Location is null || r.Value is null) throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "location and value are required");
        Check(Store.Execute(new SetCommand(Db, Key(r.Location.Key), PurpleV1Service.Value(r.Value.Content, _api.MaxValueBytes))));
        return new OriginalPurple.Empty();
    }

    private OriginalPurple.Empty KvDelete(OriginalPurple.Location r)
    {
        Delete(Key(r.Key));
        return new OriginalPurple.Empty();
    }

    private OriginalPurple.SetResponse SetChange(OriginalPurple.ModifySetRequest r, bool add)
    {
        var key = Key(r.Set);
        if (r.Item.Length == 0) throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "item is empty");
        byte[][] member = [PurpleV1Service.Value(r.Item, _api.MaxValueBytes)];
        Check(Store.Execute(add ? new SAddCommand(Db, key, member) : new SRemCommand(Db, key, member)));
        return Members(key);
    }

    private OriginalPurple.SetResponse Members(byte[] key)
    {
        if (Store.SetMembers(Db, key, out var members) == ReadStatus.WrongType) throw PurpleV1Service.Failure(PurpleError.WrongType);
        var response = new OriginalPurple.SetResponse();
        foreach (var m in (members ?? []).OrderBy(m => m, Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))))
            response.Items.Add(Encoding.UTF8.GetString(m));
        return response;
    }

    private GerduWire.PutResponse GerduPut(GerduWire.PutRequest r)
    {
        var result = Store.Execute(new SetCommand(Db, Key(r.Key), PurpleV1Service.Value(r.Value, _api.MaxValueBytes), Options: SetOptions.ReturnOld));
        Check(result);
        return new GerduWire.PutResponse { Created = result.Value is null };
    }

    private GerduWire.GetResponse GerduGet(GerduWire.GetRequest r) =>
        new() { Value = UnsafeByteOperations.UnsafeWrap(Read(Key(r.Key), "value")) };
}
