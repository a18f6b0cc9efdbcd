"""gRPC interop with Python grpcio (Debian's python3-grpcio) against a running Purple: purple.v1.Purple,
grpc.health.v1.Health, status codes, and the same data as RESP (redis-py)."""
import grpc
import pytest

from grpc_stubs import health_pb2, purple_pb2 as pb, purple_pb2_grpc as pbg


@pytest.fixture
def purple(channel):
    return pbg.PurpleStub(channel)


def code_of(call, *args, **kw):
    with pytest.raises(grpc.RpcError) as e:
        call(*args, **kw)
    return e.value.code()


def test_kv_round_trips_binary_values_and_content_type(purple, rb):
    value = bytes(range(256))
    purple.KvPut(pb.KvPutRequest(key=b"g:kv", value=value, content_type="application/octet-stream"))
    got = purple.KvGet(pb.KeyRequest(key=b"g:kv"))
    assert got.value == value and got.content_type == "application/octet-stream"
    assert rb.get(b"g:kv") == value
    assert purple.KvDelete(pb.KeyRequest(key=b"g:kv")).deleted is True
    assert purple.KvDelete(pb.KeyRequest(key=b"g:kv")).deleted is False
    assert code_of(purple.KvGet, pb.KeyRequest(key=b"g:kv")) == grpc.StatusCode.NOT_FOUND


def test_cache_entries_expire_with_their_ttl(purple, r):
    purple.CacheSet(pb.CacheSetRequest(key=b"g:c", value=b"v", ttl_ms=60_000))
    assert 55_000 <= r.pttl("g:c") <= 60_000
    purple.CacheSet(pb.CacheSetRequest(key=b"g:d", value=b"v"))
    assert 0 < r.pttl("g:d") <= 5_000
    assert purple.CacheGet(pb.KeyRequest(key=b"g:c")).value == b"v"
    assert code_of(purple.CacheSet, pb.CacheSetRequest(key=b"g:e", value=b"v", ttl_ms=-1)) == grpc.StatusCode.INVALID_ARGUMENT


def test_counters_share_the_redis_integer(purple, r):
    assert purple.CounterIncrement(pb.CounterIncrementRequest(key=b"g:n", increment=5)).value == 5
    r.incrby("g:n", 10)
    assert purple.CounterGet(pb.KeyRequest(key=b"g:n")).value == 15
    assert purple.CounterGet(pb.KeyRequest(key=b"g:none")).value == 0
    r.set("g:max", str(2**63 - 1))
    assert code_of(purple.CounterIncrement, pb.CounterIncrementRequest(key=b"g:max", increment=1)) == grpc.StatusCode.FAILED_PRECONDITION


def test_sets_are_sorted_and_wrong_types_are_failed_precondition(purple, r):
    reply = purple.SetAdd(pb.SetChangeRequest(key=b"g:s", items=[b"c", b"a", b"b"]))
    assert list(reply.items) == [b"a", b"b", b"c"]
    assert list(purple.SetRemove(pb.SetChangeRequest(key=b"g:s", items=[b"b"])).items) == [b"a", b"c"]
    assert r.smembers("g:s") == {"a", "c"}
    assert code_of(purple.KvGet, pb.KeyRequest(key=b"g:s")) == grpc.StatusCode.FAILED_PRECONDITION
    assert code_of(purple.SetAdd, pb.SetChangeRequest(key=b"g:s")) == grpc.StatusCode.INVALID_ARGUMENT


def test_flags(purple, r):
    assert purple.FlagGet(pb.KeyRequest(key=b"g:f")).value is False
    assert purple.FlagSet(pb.FlagSetRequest(key=b"g:f", value=True)).value is True
    assert r.get("g:f") == "true"
    r.set("g:f", "maybe")
    assert code_of(purple.FlagGet, pb.KeyRequest(key=b"g:f")) == grpc.StatusCode.FAILED_PRECONDITION


def test_batches_and_databases(purple, client_factory):
    purple.BatchSet(pb.BatchSetRequest(entries=[pb.BatchSetEntry(key=b"g:b1", value=b"1"), pb.BatchSetEntry(key=b"g:b2", value=b"2")], db=2))
    got = purple.BatchGet(pb.BatchGetRequest(keys=[b"g:b1", b"g:nx", b"g:b2"], db=2))
    assert [(e.key, e.found, e.value) for e in got.entries] == [(b"g:b1", True, b"1"), (b"g:nx", False, b""), (b"g:b2", True, b"2")]
    assert client_factory(db=2).get("g:b2") == "2"
    assert not purple.BatchGet(pb.BatchGetRequest(keys=[b"g:b1"])).entries[0].found
    assert code_of(purple.KvGet, pb.KeyRequest(key=b"x", db=16)) == grpc.StatusCode.INVALID_ARGUMENT


def test_health_check(channel):
    check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                                response_deserializer=health_pb2.HealthCheckResponse.FromString)
    assert check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    assert check(health_pb2.HealthCheckRequest(service="purple.v1.Purple")).status == health_pb2.HealthCheckResponse.SERVING
    assert code_of(check, health_pb2.HealthCheckRequest(service="nope")) == grpc.StatusCode.NOT_FOUND


def test_health_watch_streams_the_status_and_stays_open(channel):
    watch = channel.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                                 response_deserializer=health_pb2.HealthCheckResponse.FromString)
    stream = watch(health_pb2.HealthCheckRequest(service="purple.v1.Purple"), timeout=30)
    assert next(stream).status == health_pb2.HealthCheckResponse.SERVING
    unknown = watch(health_pb2.HealthCheckRequest(service="nope"), timeout=30)
    assert next(unknown).status == health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
    # Nothing changes while the node runs: the stream stays open until the client leaves.
    short = watch(health_pb2.HealthCheckRequest(), timeout=1)
    assert next(short).status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as ended:
        next(short)
    assert ended.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    stream.cancel()
    unknown.cancel()


def test_unknown_methods_and_malformed_messages(channel, purple):
    assert code_of(channel.unary_unary("/purple.v1.Purple/Nope"), b"") == grpc.StatusCode.UNIMPLEMENTED
    assert code_of(channel.unary_unary("/no.Such/Service"), b"") == grpc.StatusCode.UNIMPLEMENTED
    assert code_of(channel.unary_unary("/purple.v1.Purple/KvGet"), b"\xff\xff\xff") == grpc.StatusCode.INTERNAL
    # The channel (one HTTP/2 connection) keeps serving after the faulty calls.
    assert purple.CounterGet(pb.KeyRequest(key=b"g:after")).value == 0


def test_compressed_requests_are_refused_unless_identity(channel):
    call = channel.unary_unary("/purple.v1.Purple/KvGet", request_serializer=pb.KeyRequest.SerializeToString,
                               response_deserializer=pb.ValueResponse.FromString)
    with pytest.raises(grpc.RpcError) as e:
        call(pb.KeyRequest(key=b"g:z"), compression=grpc.Compression.Gzip)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_calls_with_a_deadline_carry_grpc_timeout_and_succeed_in_time(purple):
    # grpcio sends grpc-timeout; the server parses it (a malformed one would be INVALID_ARGUMENT). Expiry on
    # the server is pinned by the .NET node tests, which can send "1n" exactly.
    assert purple.CounterGet(pb.KeyRequest(key=b"g:d"), timeout=10).value == 0
    assert purple.CounterGet(pb.KeyRequest(key=b"g:d"), timeout=0.5).value == 0
