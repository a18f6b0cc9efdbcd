"""String commands: GET SET (all options) SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET
MSETNX APPEND STRLEN INCR INCRBY DECR DECRBY, with Redis 7's replies and error texts."""
import time

import pytest
import redis

NOT_INT = "value is not an integer or out of range"
OVERFLOW = "increment or decrement would overflow"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_get_missing_is_none(r):
    assert r.get("nope") is None


def test_set_and_get(r):
    assert r.set("k", "v") is True
    assert r.get("k") == "v"
    assert r.set("k", "v2") is True
    assert r.get("k") == "v2"


def test_set_removes_ttl_and_replaces_set(r):
    r.set("k", "v", ex=100)
    r.set("k", "w")
    assert r.ttl("k") == -1
    r.sadd("s", "a")
    assert r.set("s", "str") is True
    assert r.type("s") == "string"


def test_set_nx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == "1"


def test_set_xx(r):
    assert r.set("k", "1", xx=True) is None
    assert r.exists("k") == 0
    r.set("k", "1")
    assert r.set("k", "2", xx=True) is True
    assert r.get("k") == "2"


def test_set_nx_and_xx_is_syntax_error(r):
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "NX", "XX")


def test_set_unknown_option_is_syntax_error(r):
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "BOGUS")


def test_set_ex_and_px_together_is_syntax_error(r):
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "EX", "10", "PX", "100")


def test_set_get_returns_old_value(r):
    assert r.set("k", "new", get=True) is None
    assert r.set("k", "newer", get=True) == "new"
    assert r.get("k") == "newer"


def test_set_get_on_wrong_type(r):
    r.sadd("s", "a")
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.set("s", "v", get=True)
    assert r.type("s") == "set"


def test_set_nx_get_allowed_in_redis7(raw):
    # Redis 7.0 accepts NX together with GET (redis-py's SET callback would turn the
    # bulk reply into a bool, so this one goes over the raw client).
    assert raw.call("SET", "k", "v1", "NX", "GET") is None
    assert raw.call("SET", "k", "v2", "NX", "GET") == "v1"
    assert raw.call("GET", "k") == "v1"
    assert raw.call("SET", "k", "v3", "XX", "GET") == "v1"
    assert raw.call("GET", "k") == "v3"


def test_set_ex(r):
    r.set("k", "v", ex=100)
    assert 98 <= r.ttl("k") <= 100


def test_set_px(r):
    r.set("k", "v", px=100000)
    assert 98000 <= r.pttl("k") <= 100000


def test_set_exat(r):
    at = int(time.time()) + 100
    r.set("k", "v", exat=at)
    assert 98 <= r.ttl("k") <= 100


def test_set_pxat(r):
    at = int(time.time() * 1000) + 100000
    r.set("k", "v", pxat=at)
    assert 98000 <= r.pttl("k") <= 100000


def test_set_exat_in_past_deletes(r):
    r.set("k", "v", exat=int(time.time()) - 10)
    assert r.get("k") is None
    assert r.exists("k") == 0


def test_set_keepttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "v2", keepttl=True)
    assert r.get("k") == "v2"
    assert 98 <= r.ttl("k") <= 100


def test_set_px_expires(r):
    r.set("k", "v", px=100)
    time.sleep(0.3)
    assert r.get("k") is None


@pytest.mark.parametrize("opt,val", [("EX", "0"), ("EX", "-1"), ("PX", "0"), ("EXAT", "0"), ("PXAT", "-5")])
def test_set_invalid_expire(r, opt, val):
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'set' command$"):
        r.execute_command("SET", "k", "v", opt, val)


def test_set_expire_not_integer(r):
    with pytest.raises(redis.ResponseError, match=f"^{NOT_INT}$"):
        r.execute_command("SET", "k", "v", "EX", "abc")


def test_set_wrong_arity(r):
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'set' command$"):
        r.execute_command("SET", "k")


def test_get_wrong_arity(r):
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'get' command$"):
        r.execute_command("GET")
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'get' command$"):
        r.execute_command("GET", "a", "b")


def test_get_wrong_type(r):
    r.sadd("s", "a")
    with pytest.raises(redis.ResponseError, match=f"^{WRONGTYPE}$"):
        r.get("s")


def test_setnx(r):
    assert r.setnx("k", "1") is True
    assert r.setnx("k", "2") is False
    assert r.get("k") == "1"


def test_setex(r):
    assert r.setex("k", 100, "v") is True
    assert r.get("k") == "v"
    assert 98 <= r.ttl("k") <= 100


def test_setex_invalid(r):
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'setex' command$"):
        r.execute_command("SETEX", "k", "0", "v")
    with pytest.raises(redis.ResponseError, match=f"^{NOT_INT}$"):
        r.execute_command("SETEX", "k", "x", "v")


def test_psetex(r):
    assert r.psetex("k", 100000, "v") is True
    assert r.get("k") == "v"
    assert 98000 <= r.pttl("k") <= 100000
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'psetex' command$"):
        r.execute_command("PSETEX", "k", "-1", "v")


def test_getset(r):
    assert r.getset("k", "1") is None
    assert r.getset("k", "2") == "1"
    assert r.get("k") == "2"


def test_getset_clears_ttl(r):
    r.set("k", "v", ex=100)
    r.getset("k", "w")
    assert r.ttl("k") == -1


def test_getdel(r):
    r.set("k", "v")
    assert r.getdel("k") == "v"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


def test_getdel_wrong_type(r):
    r.sadd("s", "a")
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.getdel("s")


def test_getex_no_option_keeps_ttl(r):
    r.set("k", "v", ex=100)
    assert r.getex("k") == "v"
    assert 98 <= r.ttl("k") <= 100


def test_getex_ex_px_exat_pxat(r):
    r.set("k", "v")
    assert r.getex("k", ex=100) == "v"
    assert 98 <= r.ttl("k") <= 100
    assert r.getex("k", px=200000) == "v"
    assert 198000 <= r.pttl("k") <= 200000
    assert r.getex("k", exat=int(time.time()) + 300) == "v"
    assert 298 <= r.ttl("k") <= 300
    assert r.getex("k", pxat=int(time.time() * 1000) + 400000) == "v"
    assert 398 <= r.ttl("k") <= 400


def test_getex_persist(r):
    r.set("k", "v", ex=100)
    assert r.getex("k", persist=True) == "v"
    assert r.ttl("k") == -1


def test_getex_missing(r):
    assert r.getex("nope", ex=10) is None
    assert r.exists("nope") == 0


def test_getex_syntax_error(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("GETEX", "k", "EX", "10", "PERSIST")


def test_getex_invalid_expire(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'getex' command$"):
        r.execute_command("GETEX", "k", "EX", "0")


def test_getex_looks_the_key_up_before_the_expiry(r):
    # Redis reads the expiry's value only for a string key that exists: nil and WRONGTYPE come first.
    r.sadd("s", "a")
    assert r.execute_command("GETEX", "missing", "EX", "-1") is None
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.execute_command("GETEX", "s", "PX", "notanumber")
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("GETEX", "k", "PX", "notanumber")
    # A syntax error still comes before the lookup.
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("GETEX", "missing", "EX", "1", "PERSIST")


def test_getex_and_set_take_the_same_option_twice_the_last_value_counting(r, raw):
    r.set("k", "v")
    assert r.execute_command("GETEX", "k", "EX", "100", "EX", "300") == "v"
    assert 298 <= r.ttl("k") <= 300
    assert r.execute_command("GETEX", "k", "PERSIST", "PERSIST") == "v"
    assert r.ttl("k") == -1
    # EX takes the next argument as its value, whatever it is: here NX, which is not an integer.
    assert r.execute_command("SET", "k", "v", "EX", "NX", "EX", "200") is True
    assert 198 <= r.ttl("k") <= 200
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("SET", "k", "v", "EX", "10", "GET", "EX", "NX")
    assert r.execute_command("SET", "k", "w", "NX", "NX") is None
    # The raw client: redis-py reads any reply to SET but OK as False.
    assert raw.call("SET", "k", "w", "GET", "GET", "XX", "XX", "KEEPTTL", "KEEPTTL") == "v"
    assert 198 <= r.ttl("k") <= 200
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "EX", "10", "PX", "10000")


def test_mget(r):
    r.set("a", "1")
    r.set("b", "2")
    r.sadd("s", "x")
    # A key of another type reads as nil in MGET, not WRONGTYPE.
    assert r.mget("a", "missing", "b", "s") == ["1", None, "2", None]


def test_mset(r):
    assert r.mset({"a": "1", "b": "2", "c": "3"}) is True
    assert r.mget("a", "b", "c") == ["1", "2", "3"]


def test_mset_last_wins_and_odd_args(r):
    r.execute_command("MSET", "a", "1", "a", "2")
    assert r.get("a") == "2"
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'mset' command$"):
        r.execute_command("MSET", "a", "1", "b")


def test_msetnx(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    assert r.msetnx({"{t}a": "1", "{t}b": "2"}) is True
    assert r.msetnx({"{t}b": "x", "{t}c": "3"}) is False
    assert r.mget("{t}a", "{t}b", "{t}c") == ["1", "2", None]


def test_append_and_strlen(r):
    assert r.append("k", "Hello") == 5
    assert r.append("k", " World") == 11
    assert r.get("k") == "Hello World"
    assert r.strlen("k") == 11
    assert r.strlen("missing") == 0


def test_append_keeps_ttl(r):
    r.set("k", "v", ex=100)
    r.append("k", "w")
    assert 98 <= r.ttl("k") <= 100


def test_strlen_wrong_type(r):
    r.sadd("s", "a")
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.strlen("s")


def test_incr_decr(r):
    assert r.incr("n") == 1
    assert r.incr("n") == 2
    assert r.incrby("n", 10) == 12
    assert r.decr("n") == 11
    assert r.decrby("n", 20) == -9
    assert r.incrby("n", -1) == -10
    assert r.get("n") == "-10"


def test_incr_keeps_ttl(r):
    r.set("n", "5", ex=100)
    assert r.incr("n") == 6
    assert 98 <= r.ttl("n") <= 100


@pytest.mark.parametrize("value", ["abc", "1.5", " 1", "1 ", "", "99999999999999999999", "0x10", "+1"])
def test_incr_not_integer(r, value):
    r.set("n", value)
    with pytest.raises(redis.ResponseError, match=f"^{NOT_INT}$"):
        r.incr("n")
    assert r.get("n") == value


def test_incrby_not_integer_argument(r):
    with pytest.raises(redis.ResponseError, match=f"^{NOT_INT}$"):
        r.execute_command("INCRBY", "n", "abc")
    with pytest.raises(redis.ResponseError, match=f"^{NOT_INT}$"):
        r.execute_command("DECRBY", "n", "1.0")


def test_incr_overflow(r):
    r.set("n", "9223372036854775807")
    with pytest.raises(redis.ResponseError, match=f"^{OVERFLOW}$"):
        r.incr("n")
    with pytest.raises(redis.ResponseError, match=f"^{OVERFLOW}$"):
        r.incrby("n", 1)
    assert r.get("n") == "9223372036854775807"


def test_decr_underflow(r):
    r.set("n", "-9223372036854775808")
    with pytest.raises(redis.ResponseError, match=f"^{OVERFLOW}$"):
        r.decr("n")
    with pytest.raises(redis.ResponseError, match=f"^{OVERFLOW}$"):
        r.decrby("n", 1)


def test_incrby_extremes(r):
    assert r.incrby("n", 9223372036854775807) == 9223372036854775807
    r.set("m", "0")
    assert r.decrby("m", 9223372036854775807) == -9223372036854775807
    assert r.decr("m") == -9223372036854775808


def test_decrby_min_int_is_error(r):
    # Redis 7.0: negating LLONG_MIN cannot be represented.
    with pytest.raises(redis.ResponseError, match="^decrement would overflow$"):
        r.execute_command("DECRBY", "n", "-9223372036854775808")


def test_incr_wrong_type(r):
    r.sadd("s", "a")
    with pytest.raises(redis.ResponseError, match=f"^{WRONGTYPE}$"):
        r.incr("s")


def test_binary_safe_all_byte_values(rb):
    value = bytes(range(256)) * 4
    key = b"bin\x00key\xff\r\n"
    assert rb.set(key, value) is True
    assert rb.get(key) == value
    assert rb.strlen(key) == 1024
    assert rb.append(key, b"\x00\r\n") == 1027
    assert rb.get(key) == value + b"\x00\r\n"
    assert rb.mget([key, b"x"]) == [value + b"\x00\r\n", None]


def test_binary_each_byte_as_own_key(rb):
    pipe = rb.pipeline(transaction=False)
    for b in range(256):
        pipe.set(bytes([b]), bytes([b]) * 3)
    pipe.execute()
    got = rb.mget([bytes([b]) for b in range(256)])
    assert got == [bytes([b]) * 3 for b in range(256)]
    assert rb.dbsize() == 256


def test_large_value_1mb(rb):
    value = bytes((i * 31 + 7) % 256 for i in range(1024 * 1024))
    assert rb.set(b"big", value) is True
    assert rb.strlen(b"big") == 1024 * 1024
    assert rb.get(b"big") == value
    assert rb.append(b"big", b"tail") == 1024 * 1024 + 4
    assert rb.get(b"big")[-4:] == b"tail"


def test_empty_value(r):
    assert r.set("k", "") is True
    assert r.get("k") == ""
    assert r.strlen("k") == 0
    assert r.exists("k") == 1
