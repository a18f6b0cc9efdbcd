"""RESP3 replies (after HELLO 3), checked on the wire with the raw client, side by side with
their RESP2 shapes. redis-py 4.3.4 (Debian 12) has no protocol=3, hence the raw client."""
import pytest

from resp_client import RespError, SimpleString, Verbatim

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_null_is_resp3_null(raw3):
    assert raw3.call("GET", "missing") is None
    raw3.send_raw(raw3.encode("GET", "missing"))
    assert bytes(raw3._line()) == b"_"


def test_null_in_resp2_is_minus_one_bulk(raw):
    raw.send_raw(raw.encode("GET", "missing"))
    assert bytes(raw._line()) == b"$-1"


def test_smembers_is_a_set(raw3, raw):
    raw3.call("SADD", "s", "a", "b", "c")
    assert raw3.call("SMEMBERS", "s") == {"a", "b", "c"}
    assert isinstance(raw3.call("SMEMBERS", "s"), set)
    assert raw3.call("SMEMBERS", "missing") == set()
    assert sorted(raw.call("SMEMBERS", "s")) == ["a", "b", "c"]  # RESP2: an array
    assert isinstance(raw.call("SMEMBERS", "s"), list)


def test_set_algebra_returns_sets(raw3):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    raw3.call("SADD", "{t}a", "1", "2", "3")
    raw3.call("SADD", "{t}b", "2", "3", "4")
    assert raw3.call("SINTER", "{t}a", "{t}b") == {"2", "3"}
    assert raw3.call("SUNION", "{t}a", "{t}b") == {"1", "2", "3", "4"}
    assert raw3.call("SDIFF", "{t}a", "{t}b") == {"1"}


def test_spop_count_is_set_srandmember_count_is_array(raw3):
    raw3.call("SADD", "s", "a", "b", "c", "d")
    popped = raw3.call("SPOP", "s", "2")
    assert isinstance(popped, set) and len(popped) == 2
    rnd = raw3.call("SRANDMEMBER", "s", "-3")
    assert isinstance(rnd, list) and len(rnd) == 3


def test_config_get_is_a_map(raw3, raw):
    reply = raw3.call("CONFIG", "GET", "maxmemory")
    assert isinstance(reply, dict)
    assert set(reply) == {"maxmemory"}
    assert reply["maxmemory"].isdigit()
    flat = raw.call("CONFIG", "GET", "maxmemory")
    assert flat == ["maxmemory", reply["maxmemory"]]


def test_config_get_databases_map(raw3):
    assert raw3.call("CONFIG", "GET", "databases") == {"databases": "16"}


def test_integers_and_simple_strings(raw3):
    assert raw3.call("SET", "k", "v") == "OK"
    assert isinstance(raw3.call("SET", "k", "v"), SimpleString)
    assert raw3.call("INCR", "n") == 1
    assert raw3.call("EXISTS", "k", "n", "x") == 2
    assert raw3.call("SISMEMBER", "nope", "a") == 0
    assert raw3.call("TTL", "k") == -1
    assert raw3.call("DBSIZE") == 2
    assert raw3.call("PING") == "PONG"


def test_mget_with_nulls(raw3):
    raw3.call("SET", "a", "1")
    assert raw3.call("MGET", "a", "b") == ["1", None]


def test_smismember_array_of_ints(raw3):
    raw3.call("SADD", "s", "a")
    assert raw3.call("SMISMEMBER", "s", "a", "b") == [1, 0]


def test_scan_shape(raw3):
    raw3.call("SET", "k1", "v")
    cursor, keys = raw3.call("SCAN", "0", "COUNT", "100")
    assert cursor == "0"
    assert keys == ["k1"]


def test_sscan_shape(raw3):
    raw3.call("SADD", "s", "a", "b")
    cursor, members = raw3.call("SSCAN", "s", "0")
    assert cursor == "0"
    assert isinstance(members, list) and sorted(members) == ["a", "b"]


def test_info_is_verbatim(raw3):
    info = raw3.call("INFO", "keyspace")
    assert isinstance(info, Verbatim)
    assert info.format == "txt"
    assert info.startswith("# Keyspace")


def test_client_info_is_verbatim(raw3):
    info = raw3.call("CLIENT", "INFO")
    assert isinstance(info, Verbatim) and info.format == "txt"
    assert " resp=3" in info


def test_time_shape(raw3):
    secs, usecs = raw3.call("TIME")
    assert secs.isdigit() and usecs.isdigit() and 0 <= int(usecs) < 1_000_000


def test_errors_unchanged(raw3):
    raw3.call("SET", "str", "x")
    with pytest.raises(RespError, match=f"^{WRONGTYPE}$"):
        raw3.call("SADD", "str", "a")
    with pytest.raises(RespError, match="^ERR value is not an integer or out of range$"):
        raw3.call("INCR", "str")


def test_exec_nested_types(raw3):
    raw3.call("MULTI")
    raw3.call("SADD", "s", "x")
    raw3.call("SMEMBERS", "s")
    raw3.call("GET", "missing")
    assert raw3.call("EXEC") == [1, {"x"}, None]


def test_exec_watch_failure_is_null(raw3, client_factory):
    other = client_factory()
    raw3.call("WATCH", "k")
    other.set("k", "x")
    raw3.call("MULTI")
    raw3.call("GET", "k")
    raw3.send_raw(raw3.encode("EXEC"))
    assert bytes(raw3._line()) == b"_"


def test_hello3_then_redis_py_sees_the_data(raw3, r):
    raw3.call("SADD", "shared", "a")
    raw3.call("SET", "str", "v")
    assert r.smembers("shared") == {"a"}
    assert r.get("str") == "v"


def test_binary_values_resp3(raw3):
    from resp_client import RespClient
    import conftest
    c = RespClient(conftest.HOST, conftest.PORT, decode=False)
    try:
        c.call("HELLO", "3")
        blob = bytes(range(256))
        assert c.call("SET", b"b", blob) == "OK"
        assert c.call("GET", b"b") == blob
        c.call("SADD", b"bs", blob, b"\x00")
        assert c.call("SMEMBERS", b"bs") == {blob, b"\x00"}
    finally:
        c.close()
