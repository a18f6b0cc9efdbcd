"""The original Purple's gRPC services (package proto) and Gerdu's gerdu.Gerdu, called with stubs generated
from wire-compatible protos (docs/grpc-compat.md), on database 0 shared with RESP. Where the originals
answered wrongly, Purple answers correctly: misses are NOT_FOUND."""
import grpc
import pytest

import grpc_stubs as s


def code_of(call, *args):
    with pytest.raises(grpc.RpcError) as e:
        call(*args)
    return e.value.code()


def test_cache_ttl_is_seconds_and_a_miss_is_not_found(channel, r):
    cache = s.cache_pb2_grpc.CacheStub(channel)
    cache.CacheSet(s.cache_pb2.CacheSetRequest(key="c:k", item=s.cache_pb2.CacheItem(value="hello", ttl=60)))
    assert cache.CacheGet(s.cache_pb2.CacheGetRequest(key="c:k")).value == "hello"
    assert 55 <= r.ttl("c:k") <= 60
    cache.CacheSet(s.cache_pb2.CacheSetRequest(key="c:d", item=s.cache_pb2.CacheItem(value="x")))
    assert 0 < r.pttl("c:d") <= 5000
    assert code_of(cache.CacheGet, s.cache_pb2.CacheGetRequest(key="c:none")) == grpc.StatusCode.NOT_FOUND
    assert code_of(cache.CacheSet, s.cache_pb2.CacheSetRequest(key="c:k")) == grpc.StatusCode.INVALID_ARGUMENT


def test_counter(channel, r):
    counter = s.counter_pb2_grpc.CounterStub(channel)
    assert counter.CounterGet(s.counter_pb2.GetCounterRequest(key="c:n")).value == 0
    assert counter.CounterIncrement(s.counter_pb2.IncrementCounterRequest(key="c:n", amount=3)).value == 3
    r.incrby("c:n", 4)
    assert counter.CounterGet(s.counter_pb2.GetCounterRequest(key="c:n")).value == 7


def test_flag(channel, r):
    flag = s.flag_pb2_grpc.FlagStub(channel)
    assert flag.FlagGet(s.flag_pb2.FlagGetRequest(key="c:f")).value is False
    flag.FlagSet(s.flag_pb2.FlagSetRequest(key="c:f", value=True))
    assert flag.FlagGet(s.flag_pb2.FlagGetRequest(key="c:f")).value is True
    assert r.get("c:f") == "true"


def test_kv(channel, rb):
    kv = s.kv_pb2_grpc.KVStub(channel)
    kv.KVPut(s.kv_pb2.PutRequest(location=s.kv_pb2.Location(key="c:kv"), value=s.kv_pb2.Value(content=b"\x00\xffdata")))
    assert kv.KVGet(s.kv_pb2.Location(key="c:kv")).value.content == b"\x00\xffdata"
    assert rb.get(b"c:kv") == b"\x00\xffdata"
    kv.KVDelete(s.kv_pb2.Location(key="c:kv"))
    assert code_of(kv.KVGet, s.kv_pb2.Location(key="c:kv")) == grpc.StatusCode.NOT_FOUND
    kv.KVDelete(s.kv_pb2.Location(key="c:kv"))  # deleting a missing key is fine, as in the original
    assert code_of(kv.KVPut, s.kv_pb2.PutRequest(location=s.kv_pb2.Location(key="c:kv"))) == grpc.StatusCode.INVALID_ARGUMENT


def test_set(channel, r):
    sets = s.set_pb2_grpc.SetStub(channel)
    assert list(sets.SetGet(s.set_pb2.GetSetRequest(set="c:s")).items) == []
    sets.SetAdd(s.set_pb2.ModifySetRequest(set="c:s", item="b"))
    assert list(sets.SetAdd(s.set_pb2.ModifySetRequest(set="c:s", item="a")).items) == ["a", "b"]
    assert list(sets.SetRemove(s.set_pb2.ModifySetRequest(set="c:s", item="b")).items) == ["a"]
    assert r.smembers("c:s") == {"a"}


def test_gerdu(channel, rb):
    gerdu = s.gerdu_pb2_grpc.GerduStub(channel)
    assert gerdu.Put(s.gerdu_pb2.PutRequest(key="g:k", value=b"v1")).created is True
    assert gerdu.Put(s.gerdu_pb2.PutRequest(key="g:k", value=b"v2")).created is False
    assert gerdu.Get(s.gerdu_pb2.GetRequest(key="g:k")).value == b"v2"
    assert rb.get(b"g:k") == b"v2"
    assert gerdu.Delete(s.gerdu_pb2.DeleteRequest(key="g:k")).deleted is True
    assert gerdu.Delete(s.gerdu_pb2.DeleteRequest(key="g:k")).deleted is False
    assert code_of(gerdu.Get, s.gerdu_pb2.GetRequest(key="g:k")) == grpc.StatusCode.NOT_FOUND
