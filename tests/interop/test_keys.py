"""Keyspace commands: DEL UNLINK EXISTS EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL PERSIST TYPE
KEYS SCAN RENAME RENAMENX, plus SELECT isolation, DBSIZE, FLUSHDB, FLUSHALL."""
import time

import pytest
import redis

NOT_INT = "value is not an integer or out of range"


def test_del_counts_existing(r):
    r.mset({"a": "1", "b": "2"})
    r.sadd("s", "x")
    assert r.delete("a", "b", "s", "missing") == 3
    assert r.delete("a") == 0
    assert r.dbsize() == 0


def test_del_duplicate_args(r):
    r.set("a", "1")
    assert r.delete("a", "a") == 1


def test_unlink(r):
    r.mset({"a": "1", "b": "2"})
    assert r.unlink("a", "b", "c") == 2
    assert r.exists("a", "b") == 0


def test_exists_counts_repeats(r):
    r.set("a", "1")
    r.sadd("s", "x")
    assert r.exists("a") == 1
    assert r.exists("a", "a", "s", "missing") == 3
    assert r.exists("missing") == 0


def test_ttl_missing_and_persistent(r):
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1


def test_expire_and_ttl(r):
    r.set("k", "v")
    assert r.expire("k", 100) is True
    assert 98 <= r.ttl("k") <= 100
    assert 98000 <= r.pttl("k") <= 100000
    assert r.expire("missing", 100) is False


def test_pexpire(r):
    r.set("k", "v")
    assert r.pexpire("k", 50000) is True
    assert 48000 <= r.pttl("k") <= 50000
    assert r.ttl("k") in (49, 50)


def test_expire_actually_expires(r):
    r.set("k", "v")
    r.sadd("s", "a")
    r.pexpire("k", 100)
    r.pexpire("s", 100)
    time.sleep(0.3)
    assert r.get("k") is None
    assert r.exists("k", "s") == 0
    assert r.ttl("k") == -2
    assert r.type("s") == "none"


def test_expire_non_positive_deletes(r):
    r.set("k", "v")
    assert r.expire("k", 0) is True
    assert r.exists("k") == 0
    r.set("k", "v")
    assert r.expire("k", -10) is True
    assert r.exists("k") == 0


def test_expire_not_integer(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match=f"^{NOT_INT}$"):
        r.execute_command("EXPIRE", "k", "ten")


def test_expire_nx(r):
    r.set("k", "v")
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 200, nx=True) is False
    assert r.ttl("k") <= 100


def test_expire_xx(r):
    r.set("k", "v")
    assert r.expire("k", 100, xx=True) is False
    assert r.ttl("k") == -1
    r.expire("k", 100)
    assert r.expire("k", 200, xx=True) is True
    assert r.ttl("k") > 100


def test_expire_gt(r):
    r.set("k", "v")
    # No TTL counts as infinite: GT never applies to a persistent key.
    assert r.expire("k", 100, gt=True) is False
    assert r.ttl("k") == -1
    r.expire("k", 100)
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 200, gt=True) is True
    assert r.ttl("k") > 100


def test_expire_lt(r):
    r.set("k", "v")
    # No TTL counts as infinite: LT always applies to a persistent key.
    assert r.expire("k", 100, lt=True) is True
    assert r.expire("k", 200, lt=True) is False
    assert r.expire("k", 50, lt=True) is True
    assert r.ttl("k") <= 50


@pytest.mark.parametrize("opts", [("NX", "XX"), ("NX", "GT"), ("NX", "LT")])
def test_expire_incompatible_options(r, opts):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError,
                       match="^NX and XX, GT or LT options at the same time are not compatible$"):
        r.execute_command("EXPIRE", "k", "100", *opts)


def test_expire_gt_lt_together(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError,
                       match="^GT and LT options at the same time are not compatible$"):
        r.execute_command("EXPIRE", "k", "100", "GT", "LT")


def test_expire_unknown_option(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^Unsupported option FOO$"):
        r.execute_command("EXPIRE", "k", "100", "FOO")


def test_expireat(r):
    r.set("k", "v")
    assert r.expireat("k", int(time.time()) + 100) is True
    assert 98 <= r.ttl("k") <= 100
    assert r.expireat("missing", int(time.time()) + 100) is False


def test_expireat_past_deletes(r):
    r.set("k", "v")
    assert r.expireat("k", int(time.time()) - 1) is True
    assert r.exists("k") == 0


def test_pexpireat(r):
    r.set("k", "v")
    assert r.pexpireat("k", int(time.time() * 1000) + 100000) is True
    assert 98000 <= r.pttl("k") <= 100000


def test_expiretime_rounds_to_the_nearest_second(r):
    r.set("k", "v")
    base = (int(time.time()) + 1000) * 1000
    r.pexpireat("k", base + 499)
    assert r.execute_command("EXPIRETIME", "k") == base // 1000
    assert r.execute_command("PEXPIRETIME", "k") == base + 499
    r.pexpireat("k", base + 500)
    assert r.execute_command("EXPIRETIME", "k") == base // 1000 + 1
    assert r.execute_command("EXPIRETIME", "missing") == -2
    r.persist("k")
    assert r.execute_command("EXPIRETIME", "k") == -1


def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.persist("missing") is False


def test_type(r):
    r.set("str", "v")
    r.sadd("set", "a")
    r.incr("counter")
    assert r.type("str") == "string"
    assert r.type("set") == "set"
    assert r.type("counter") == "string"
    assert r.type("missing") == "none"


def test_keys_patterns(r):
    r.mset({"hello": "1", "hallo": "1", "hxllo": "1", "hllo": "1", "heeeello": "1",
            "h*llo": "1", "user:1": "1", "user:2": "1", "user:10": "1"})
    assert sorted(r.keys("*")) == sorted(["hello", "hallo", "hxllo", "hllo", "heeeello",
                                          "h*llo", "user:1", "user:2", "user:10"])
    assert sorted(r.keys("h?llo")) == ["h*llo", "hallo", "hello", "hxllo"]
    assert sorted(r.keys("h*llo")) == ["h*llo", "hallo", "heeeello", "hello", "hllo", "hxllo"]
    assert sorted(r.keys("h[ae]llo")) == ["hallo", "hello"]
    assert sorted(r.keys("h[^e]llo")) == ["h*llo", "hallo", "hxllo"]
    assert sorted(r.keys("h[a-b]llo")) == ["hallo"]
    assert r.keys("h\\*llo") == ["h*llo"]
    assert sorted(r.keys("user:?")) == ["user:1", "user:2"]
    assert r.keys("nomatch*") == []


def test_keys_skips_expired(r):
    r.set("a", "1")
    r.set("b", "1", px=50)
    time.sleep(0.2)
    assert r.keys("*") == ["a"]


def test_scan_iter_all_keys(r):
    expected = {f"key:{i}" for i in range(1000)}
    pipe = r.pipeline(transaction=False)
    for k in expected:
        pipe.set(k, "v")
    pipe.execute()
    seen = list(r.scan_iter(count=100))
    assert set(seen) == expected


def test_scan_cursor_protocol(r):
    for i in range(50):
        r.set(f"k{i}", "v")
    cursor, keys = r.scan(0, count=10)
    assert isinstance(cursor, int)
    assert isinstance(keys, list)
    seen = set(keys)
    steps = 0
    while cursor != 0:
        cursor, keys = r.scan(cursor, count=10)
        seen.update(keys)
        steps += 1
        assert steps < 1000
    assert seen == {f"k{i}" for i in range(50)}


def test_scan_match(r):
    for i in range(300):
        r.set(f"user:{i}", "v")
        r.set(f"item:{i}", "v")
    got = set(r.scan_iter(match="user:1*", count=50))
    assert got == {f"user:{i}" for i in range(300) if str(i).startswith("1")}


def test_scan_type(r):
    for i in range(100):
        r.set(f"s{i}", "v")
        r.sadd(f"set{i}", "m")
    assert set(r.scan_iter(_type="set", count=30)) == {f"set{i}" for i in range(100)}
    assert set(r.scan_iter(_type="string", count=30)) == {f"s{i}" for i in range(100)}
    assert list(r.scan_iter(_type="list")) == []


def test_scan_match_and_type(r):
    for i in range(20):
        r.set(f"a{i}", "v")
        r.sadd(f"a-set{i}", "m")
    got = set(r.scan_iter(match="a-*", _type="set", count=7))
    assert got == {f"a-set{i}" for i in range(20)}


def test_scan_empty_db(r):
    assert r.scan(0) == (0, [])


def test_scan_invalid_cursor(r):
    with pytest.raises(redis.ResponseError, match="^invalid cursor$"):
        r.execute_command("SCAN", "abc")


def test_scan_syntax_error(r):
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("SCAN", "0", "BOGUS", "1")


def test_rename(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    r.set("{t}a", "1", ex=100)
    assert r.rename("{t}a", "{t}b") is True
    assert r.exists("{t}a") == 0
    assert r.get("{t}b") == "1"
    assert 98 <= r.ttl("{t}b") <= 100


def test_rename_overwrites_any_type(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    r.sadd("{t}s", "x", "y")
    r.set("{t}t", "v", ex=100)
    assert r.rename("{t}s", "{t}t") is True
    assert r.type("{t}t") == "set"
    assert r.smembers("{t}t") == {"x", "y"}
    assert r.ttl("{t}t") == -1


def test_rename_missing_key(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    with pytest.raises(redis.ResponseError, match="^no such key$"):
        r.rename("{t}missing", "{t}b")
    with pytest.raises(redis.ResponseError, match="^no such key$"):
        r.renamenx("{t}missing", "{t}b")


def test_rename_same_name(r):
    r.set("a", "1")
    assert r.rename("a", "a") is True
    assert r.get("a") == "1"


def test_renamenx(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    r.set("{t}a", "1")
    r.set("{t}b", "2")
    assert r.renamenx("{t}a", "{t}b") is False
    assert r.get("{t}a") == "1"
    assert r.renamenx("{t}a", "{t}c") is True
    assert r.exists("{t}a") == 0
    assert r.get("{t}c") == "1"


def test_dbsize_and_flushdb(r):
    assert r.dbsize() == 0
    r.mset({"a": "1", "b": "2"})
    r.sadd("s", "x")
    assert r.dbsize() == 3
    assert r.flushdb() is True
    assert r.dbsize() == 0


def test_select_isolation(r, client_factory):
    db1 = client_factory(db=1)
    r.set("k", "db0")
    assert db1.get("k") is None
    db1.set("k", "db1")
    db1.sadd("only1", "x")
    assert r.get("k") == "db0"
    assert db1.get("k") == "db1"
    assert r.dbsize() == 1
    assert db1.dbsize() == 2
    assert r.exists("only1") == 0
    assert db1.keys("*") and sorted(db1.keys("*")) == ["k", "only1"]


def test_select_on_one_connection(raw):
    assert raw.call("SET", "k", "zero") == "OK"
    assert raw.call("SELECT", "5") == "OK"
    assert raw.call("GET", "k") is None
    assert raw.call("SET", "k", "five") == "OK"
    assert raw.call("SELECT", "0") == "OK"
    assert raw.call("GET", "k") == "zero"


def test_select_errors(raw):
    from resp_client import RespError
    with pytest.raises(RespError, match="^ERR DB index is out of range$"):
        raw.call("SELECT", "99999")
    with pytest.raises(RespError, match="^ERR DB index is out of range$"):
        raw.call("SELECT", "-1")
    with pytest.raises(RespError, match=f"^ERR {NOT_INT}$"):
        raw.call("SELECT", "one")


def test_flushdb_only_current_db(r, client_factory):
    db2 = client_factory(db=2)
    r.set("a", "1")
    db2.set("b", "2")
    db2.flushdb()
    assert db2.dbsize() == 0
    assert r.get("a") == "1"


def test_flushall(r, client_factory):
    db3 = client_factory(db=3)
    r.set("a", "1")
    db3.set("b", "2")
    assert r.flushall() is True
    assert r.dbsize() == 0
    assert db3.dbsize() == 0


def test_flush_async_sync(r):
    r.set("a", "1")
    assert r.flushdb(asynchronous=True) is True
    assert r.dbsize() == 0
    r.set("a", "1")
    assert r.execute_command("FLUSHALL", "SYNC") is True
    assert r.dbsize() == 0


def test_pexpire_options(r):
    r.set("k", "v")
    assert r.pexpire("k", 100000, nx=True) is True
    assert r.pexpire("k", 200000, nx=True) is False
    assert r.pexpire("k", 50000, gt=True) is False
    assert r.pexpire("k", 200000, gt=True) is True
    assert r.pexpire("k", 10000, lt=True) is True
    assert 9000 <= r.pttl("k") <= 10000


def test_expireat_options(r):
    now = int(time.time())
    r.set("k", "v")
    assert r.expireat("k", now + 100, xx=True) is False
    assert r.expireat("k", now + 100, nx=True) is True
    assert r.pexpireat("k", (now + 50) * 1000, lt=True) is True
    assert 48 <= r.ttl("k") <= 50


def test_expire_on_set_key(r):
    r.sadd("s", "a", "b")
    assert r.expire("s", 100) is True
    assert 98 <= r.ttl("s") <= 100
    assert r.persist("s") is True


def test_expired_key_gone_from_dbsize_after_access(r):
    r.set("a", "1", px=50)
    r.set("b", "1")
    time.sleep(0.2)
    assert r.exists("a") == 0
    assert r.dbsize() == 1


def test_ttl_rounds_like_redis(r):
    # TTL rounds the remaining milliseconds to the nearest second.
    r.set("k", "v", px=1900)
    assert r.ttl("k") == 2
    r.set("k", "v", px=1300)
    assert r.ttl("k") == 1


def test_expire_xx_combined_with_gt_and_lt(r):
    r.set("k", "v")
    # No TTL: XX fails whatever GT/LT say (LT alone would treat "no TTL" as infinite and succeed).
    assert r.execute_command("EXPIRE", "k", 100, "XX", "LT") == 0
    assert r.execute_command("EXPIRE", "k", 100, "XX", "GT") == 0
    assert r.ttl("k") == -1
    assert r.execute_command("EXPIRE", "k", 100) == 1
    assert r.execute_command("EXPIRE", "k", 200, "XX", "LT") == 0
    assert r.execute_command("EXPIRE", "k", 50, "XX", "LT") == 1
    assert r.execute_command("EXPIRE", "k", 40, "XX", "GT") == 0
    assert r.execute_command("EXPIRE", "k", 80, "XX", "GT") == 1
    assert r.ttl("k") == 80
