"""Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SINTER SUNION
SDIFF SSCAN."""
import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_sadd_counts_new_members(r):
    assert r.sadd("s", "a", "b", "c") == 3
    assert r.sadd("s", "a", "d", "d") == 1
    assert r.smembers("s") == {"a", "b", "c", "d"}
    assert r.scard("s") == 4


def test_srem(r):
    r.sadd("s", "a", "b", "c")
    assert r.srem("s", "a", "z") == 1
    assert r.smembers("s") == {"b", "c"}
    assert r.srem("missing", "a") == 0


def test_srem_last_member_deletes_key(r):
    r.sadd("s", "a")
    assert r.srem("s", "a") == 1
    assert r.exists("s") == 0
    assert r.type("s") == "none"


def test_smembers_missing(r):
    assert r.smembers("missing") == set()


def test_sismember(r):
    r.sadd("s", "a")
    assert r.sismember("s", "a") is True
    assert r.sismember("s", "b") is False
    assert r.sismember("missing", "a") is False


def test_smismember(r):
    r.sadd("s", "a", "c")
    assert r.smismember("s", ["a", "b", "c"]) == [1, 0, 1]
    assert r.smismember("missing", ["a"]) == [0]


def test_smismember_arity(r):
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'smismember' command$"):
        r.execute_command("SMISMEMBER", "s")


def test_scard(r):
    assert r.scard("missing") == 0
    r.sadd("s", *[str(i) for i in range(100)])
    assert r.scard("s") == 100


def test_spop_single(r):
    r.sadd("s", "a", "b", "c")
    popped = r.spop("s")
    assert popped in {"a", "b", "c"}
    assert r.scard("s") == 2
    assert r.sismember("s", popped) is False


def test_spop_with_count(r):
    members = {str(i) for i in range(10)}
    r.sadd("s", *members)
    popped = r.spop("s", 4)
    assert isinstance(popped, list)
    assert len(popped) == 4
    assert len(set(popped)) == 4
    assert set(popped) <= members
    assert r.smembers("s") == members - set(popped)


def test_spop_count_larger_than_set(r):
    r.sadd("s", "a", "b")
    assert sorted(r.spop("s", 10)) == ["a", "b"]
    assert r.exists("s") == 0


def test_spop_missing(r):
    assert r.spop("missing") is None
    assert r.spop("missing", 3) == []


def test_spop_zero_count(r):
    r.sadd("s", "a")
    assert r.spop("s", 0) == []
    assert r.scard("s") == 1


def test_spop_and_srandmember_of_none_on_another_type_are_wrongtype(r):
    # Garnet, behind --storage redis, answers these with an empty array; Redis checks the type first.
    r.set("str", "v")
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.spop("str", 0)
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.srandmember("str", 0)
    assert r.get("str") == "v"


def test_spop_negative_count(r):
    r.sadd("s", "a")
    with pytest.raises(redis.ResponseError, match="^value is out of range, must be positive$"):
        r.spop("s", -1)


def test_srandmember_single(r):
    r.sadd("s", "a", "b", "c")
    assert r.srandmember("s") in {"a", "b", "c"}
    assert r.scard("s") == 3
    assert r.srandmember("missing") is None


def test_srandmember_positive_count_distinct(r):
    members = {str(i) for i in range(10)}
    r.sadd("s", *members)
    got = r.srandmember("s", 5)
    assert len(got) == 5 and len(set(got)) == 5 and set(got) <= members
    assert sorted(r.srandmember("s", 100)) == sorted(members)
    assert r.scard("s") == 10


def test_srandmember_negative_count_repeats(r):
    r.sadd("s", "a", "b")
    got = r.srandmember("s", -50)
    assert len(got) == 50
    assert set(got) <= {"a", "b"}
    r.sadd("one", "x")
    assert r.srandmember("one", -5) == ["x"] * 5


def test_srandmember_zero_and_missing(r):
    r.sadd("s", "a")
    assert r.srandmember("s", 0) == []
    assert r.srandmember("missing", 5) == []
    assert r.srandmember("missing", -5) == []


def test_sinter(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    r.sadd("{t}a", "1", "2", "3", "4")
    r.sadd("{t}b", "2", "3", "5")
    r.sadd("{t}c", "3", "2", "9")
    assert r.sinter("{t}a", "{t}b") == {"2", "3"}
    assert r.sinter("{t}a", "{t}b", "{t}c") == {"2", "3"}
    assert r.sinter("{t}a") == {"1", "2", "3", "4"}
    assert r.sinter("{t}a", "{t}missing") == set()


def test_sunion(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    r.sadd("{t}a", "1", "2")
    r.sadd("{t}b", "2", "3")
    assert r.sunion("{t}a", "{t}b") == {"1", "2", "3"}
    assert r.sunion("{t}a", "{t}missing") == {"1", "2"}
    assert r.sunion("{t}missing") == set()


def test_sdiff(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    r.sadd("{t}a", "1", "2", "3", "4")
    r.sadd("{t}b", "2")
    r.sadd("{t}c", "4", "5")
    assert r.sdiff("{t}a", "{t}b", "{t}c") == {"1", "3"}
    assert r.sdiff("{t}a", "{t}missing") == {"1", "2", "3", "4"}
    assert r.sdiff("{t}missing", "{t}a") == set()


def test_set_ops_wrong_type(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    r.sadd("{t}s", "a")
    r.set("{t}str", "v")
    for call in (lambda: r.sinter("{t}s", "{t}str"), lambda: r.sunion("{t}s", "{t}str"),
                 lambda: r.sdiff("{t}s", "{t}str"), lambda: r.sadd("{t}str", "x"),
                 lambda: r.smembers("{t}str"), lambda: r.scard("{t}str"), lambda: r.srem("{t}str", "v"),
                 lambda: r.sismember("{t}str", "v"), lambda: r.smismember("{t}str", ["v"]),
                 lambda: r.spop("{t}str"), lambda: r.srandmember("{t}str")):
        with pytest.raises(redis.ResponseError, match=f"^{WRONGTYPE}$"):
            call()


def test_sinter_missing_first_key_with_wrong_type_later(r):
    # One hash tag for the keys of a multi-key command: the suite also runs on a Redis Cluster (docs/storage.md).
    # Redis 7.0 checks every key's type even when the intersection is already empty.
    r.set("{t}str", "v")
    with pytest.raises(redis.ResponseError, match=f"^{WRONGTYPE}$"):
        r.sinter("{t}missing", "{t}str")


def test_sscan_iter(r):
    members = {f"m{i}" for i in range(1000)}
    r.sadd("s", *members)
    assert set(r.sscan_iter("s", count=50)) == members


def test_sscan_match(r):
    r.sadd("s", *[f"user:{i}" for i in range(200)], *[f"item:{i}" for i in range(200)])
    got = set(r.sscan_iter("s", match="item:*", count=20))
    assert got == {f"item:{i}" for i in range(200)}


def test_sscan_looks_the_key_up_before_reading_its_options(raw):
    # Redis answers a missing key (an empty scan) and a key of another type (WRONGTYPE) before the options' error.
    raw.call("SET", "str", "v")
    raw.call("SADD", "s", "a")
    assert raw.call("SSCAN", "missing", "0", "COUNT", "0") == ["0", []]
    assert raw.call("SSCAN", "missing", "0", "COUNT", "x") == ["0", []]
    assert raw.pipeline([["SSCAN", "str", "0", "COUNT", "0"]])[0].message == WRONGTYPE
    assert raw.pipeline([["SSCAN", "s", "0", "COUNT", "0"]])[0].message == "ERR syntax error"
    assert raw.pipeline([["SSCAN", "s", "0", "COUNT", "x"]])[0].message == "ERR value is not an integer or out of range"
    # The cursor is still read first.
    assert raw.pipeline([["SSCAN", "missing", "x"]])[0].message == "ERR invalid cursor"


def test_sscan_small_set_and_missing(r):
    r.sadd("s", "a", "b")
    cursor, members = r.sscan("s", 0)
    assert cursor == 0
    assert sorted(members) == ["a", "b"]
    assert r.sscan("missing", 0) == (0, [])


def test_binary_members(rb):
    members = [bytes([b]) for b in range(256)] + [bytes(range(256))]
    assert rb.sadd(b"bs", *members) == 257
    assert rb.smembers(b"bs") == set(members)
    assert rb.sismember(b"bs", b"\x00") is True
    assert rb.srem(b"bs", b"\r", b"\n") == 2
    assert rb.scard(b"bs") == 255
