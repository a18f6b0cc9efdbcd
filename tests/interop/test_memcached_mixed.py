"""One keyspace, two protocols: redis-py on PURPLE_RESP_PORT and memcached clients (pymemcache,
the raw McClient) on PURPLE_MEMCACHED_PORT, against the same Purple node. These are Purple's
rules (docs/memcached.md), not memcached's, so against-memcached.sh does not collect this file
(and against-redis.sh ignores it).

- memcached reads and writes database 0; `flush_all` empties database 0 only;
- a memcached item is a Redis string (its client flags are metadata RESP never shows); a RESP
  string is a memcached item with flags 0;
- every write from either side gives the key a new CAS (which is also WATCH's version);
- a key of another type (a Redis set) is a miss to memcached reads, NOT_STORED to add / append /
  prepend, non-numeric to incr / decr / ma, NOT_FOUND to touch and cas; set / replace overwrite it
  with a string and delete removes it;
- TTLs are shared: memcached exptime is RESP TTL, RESP EXPIRE is what mg t reports."""
import http.client
import os
import threading
import time

import pytest
import redis

from conftest import HOST, make_client
from memcached.mc_target import make_pymemcache, make_raw

NON_NUMERIC = b"CLIENT_ERROR cannot increment or decrement non-numeric value"


@pytest.fixture
def mcr(r):
    """Raw memcached connection; every database was flushed by `r` (RESP FLUSHALL)."""
    c = make_raw()
    yield c
    c.close()


@pytest.fixture
def mcc(r):
    c = make_pymemcache()
    yield c
    c.close()


# --- one keyspace: database 0 --------------------------------------------------------------

def test_memcached_set_is_a_resp_string(mcr, r, rb):
    assert mcr.store("set", "k", "hello", flags=7) == b"STORED"
    assert r.get("k") == "hello"
    assert r.type("k") == "string"
    assert r.strlen("k") == 5
    value = bytes(range(256)) + b"\r\nEND\r\n"
    assert mcr.store("set", "bin", value, flags=4294967295) == b"STORED"
    assert rb.get("bin") == value                         # the flags are not in the value


def test_resp_set_is_a_memcached_item_with_flags_0(mcr, mcc, r):
    r.set("k", "from-resp")
    assert mcr.values("get k") == {b"k": (b"k", 0, b"from-resp", None)}
    assert mcc.get("k") == b"from-resp"
    mcr.store("set", "f", "v", flags=9)
    r.set("f", "replaced")                                # a RESP SET replaces flags too
    v = mcr.value("f")
    assert (v.flags, v.data) == (0, b"replaced")


def test_memcached_uses_database_0(mcr, client_factory, r):
    r1 = client_factory(db=1)
    r1.set("only-in-1", "x")
    assert mcr.values("get only-in-1") == {}
    mcr.store("set", "k", "v")
    assert r1.get("k") is None
    assert r.get("k") == "v"


def test_flush_all_empties_database_0_only(mcr, client_factory, r):
    r1 = client_factory(db=1)
    r.set("zero", "0")
    r.sadd("zero-set", "a")
    r1.set("one", "1")
    assert mcr.call("flush_all") == b"OK"
    assert r.dbsize() == 0
    assert r1.get("one") == "1"


def test_resp_del_and_memcached_delete(mcr, r):
    mcr.store("set", "a", "1")
    assert r.delete("a") == 1
    assert mcr.value("a") is None
    r.set("b", "2")
    assert mcr.call("delete b") == b"DELETED"
    assert r.exists("b") == 0


# --- CAS -------------------------------------------------------------------------------------

def test_resp_set_gives_a_new_cas(mcr, r):
    mcr.store("set", "k", "v1")
    old = mcr.value("k").cas
    r.set("k", "v2")
    assert mcr.value("k").cas != old
    assert mcr.store("cas", "k", "v3", cas=old) == b"EXISTS"
    assert r.get("k") == "v2"
    assert mcr.store("cas", "k", "v3", cas=mcr.value("k").cas) == b"STORED"
    assert r.get("k") == "v3"


def test_resp_incr_and_append_give_a_new_cas(mcr, r):
    r.set("n", "1")
    c1 = mcr.value("n").cas
    r.incr("n")
    c2 = mcr.value("n").cas
    r.append("n", "0")
    c3 = mcr.value("n").cas
    assert len({c1, c2, c3}) == 3
    assert mcr.store("cas", "n", "x", cas=c1) == b"EXISTS"


def test_memcached_write_breaks_a_resp_watch(mcr, client_factory):
    rc = client_factory()
    rc.set("w", "1")
    with rc.pipeline() as p:
        p.watch("w")
        assert mcr.store("set", "w", "2") == b"STORED"
        p.multi()
        p.set("w", "3")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert rc.get("w") == "2"


# --- counters --------------------------------------------------------------------------------

def test_resp_incr_then_memcached_incr(mcr, mcc, r):
    assert r.incr("n", 41) == 41
    assert mcr.call("incr n 1") == b"42"
    assert mcc.decr("n", 2) == 40
    assert r.incrby("n", 10) == 50
    assert r.get("n") == "50"
    assert mcr.values("get n")[b"n"].data == b"50"


def test_memcached_incr_then_resp_sees_the_number(mcr, r):
    mcr.store("set", "n", "99")
    assert mcr.call("decr n 9") == b"90"
    assert r.get("n") == "90"                             # no padding visible to RESP
    assert r.incr("n") == 91


# --- a key of another type -------------------------------------------------------------------

@pytest.fixture
def setkey(r):
    assert r.sadd("s", "a", "b") == 2
    return "s"


def test_set_typed_key_is_a_miss_for_reads(mcr, mcc, setkey):
    assert mcr.call("get s") == b"END"
    assert mcr.call("gets s") == b"END"
    assert mcr.call("gat 100 s") == b"END"
    assert mcr.call("gats 100 s") == b"END"
    assert mcr.call("mg s v") == b"EN"
    assert mcr.call("mg s") == b"EN"
    assert mcr.call("me s") == b"EN"
    assert mcc.get("s") is None
    assert mcc.get_many(["s"]) == {}


def test_set_typed_key_refuses_add_append_prepend(mcr, r, setkey):
    assert mcr.store("add", "s", "x") == b"NOT_STORED"
    assert mcr.store("append", "s", "x") == b"NOT_STORED"
    assert mcr.store("prepend", "s", "x") == b"NOT_STORED"
    assert mcr.call("ms s 1 ME", b"x") == b"NS"
    assert mcr.call("ms s 1 MA", b"x") == b"NS"
    assert r.type("s") == "set"
    assert r.smembers("s") == {"a", "b"}


def test_set_typed_key_is_non_numeric(mcr, r, setkey):
    assert mcr.call("incr s 1") == NON_NUMERIC
    assert mcr.call("decr s 1") == NON_NUMERIC
    assert mcr.call("ma s") == NON_NUMERIC
    assert r.scard("s") == 2


def test_set_typed_key_touch_and_cas_not_found(mcr, r, setkey):
    assert mcr.call("touch s 100") == b"NOT_FOUND"
    assert r.ttl("s") == -1
    assert mcr.store("cas", "s", "x", cas=1) == b"NOT_FOUND"
    assert r.type("s") == "set"


def test_set_typed_key_is_overwritten_by_set(mcr, r, setkey):
    assert mcr.store("set", "s", "now a string", flags=3) == b"STORED"
    assert r.type("s") == "string"
    assert r.get("s") == "now a string"
    assert mcr.value("s").flags == 3


def test_set_typed_key_is_overwritten_by_replace(mcr, r, setkey):
    assert mcr.store("replace", "s", "str") == b"STORED"
    assert r.type("s") == "string"


def test_set_typed_key_is_deleted_by_delete(mcr, r, setkey):
    assert mcr.call("delete s") == b"DELETED"
    assert r.exists("s") == 0
    r.sadd("s2", "x")
    assert mcr.call("md s2") == b"HD"
    assert r.exists("s2") == 0


def test_resp_wrongtype_on_a_memcached_item(mcr, r):
    mcr.store("set", "k", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.sadd("k", "a")


# --- TTLs --------------------------------------------------------------------------------------

def test_memcached_exptime_is_resp_ttl(mcr, mcc, r):
    mcr.store("set", "k", "v", exptime=100)
    assert 98 <= r.ttl("k") <= 100
    assert mcr.call("touch k 500") == b"TOUCHED"
    assert 498 <= r.ttl("k") <= 500
    mcr.values("gat 0 k")
    assert r.ttl("k") == -1
    mcc.set("p", b"v", expire=50)
    assert 48 <= r.ttl("p") <= 50


def test_resp_expire_is_seen_by_memcached(mcr, r):
    r.set("k", "v")
    assert mcr.call("mg k t") == b"HD t-1"
    r.expire("k", 200)
    t = int(mcr.meta("mg k t").flag("t"))
    assert 198 <= t <= 200
    r.persist("k")
    assert mcr.call("mg k t") == b"HD t-1"
    r.set("e", "v", px=1)
    time.sleep(0.05)
    assert mcr.value("e") is None


def test_memcached_negative_exptime_deletes_for_resp_too(mcr, r):
    r.set("k", "v")
    assert mcr.store("set", "k", "x", exptime=-1) == b"STORED"
    assert r.exists("k") == 0


# --- values written in place (docs/engine.md, "owns its array") ------------------------------------

def test_concurrent_same_length_overwrites_never_show_a_torn_value(r):
    """Writers on both protocols rewrite one key with values of one length and a single letter, which the engine
    copies into the key's array in place; readers on RESP, memcached and HTTP (GET and memcached get read under the
    key's lock; MGET, gets and HTTP take the array) must only ever see one whole value. The values are large and the
    RESP writes pipelined so that an in-place write landing while a reply is still being sent would be caught."""
    size = 256 * 1024
    letters = b"ABCDEFGH"
    letter_bytes = {bytes([c]) for c in letters}
    stop = threading.Event()
    errors, torn, reads = [], [], [0]

    def check(value):
        # Checked as read, not kept: a few thousand 256 KB replies would be hundreds of MB.
        if value is None:
            return
        reads[0] += 1
        if len(value) != size or value.count(value[:1]) != size or value[:1] not in letter_bytes:
            torn.append((len(value), value[:1], sorted(set(value))[:4]))

    def guarded(work):
        def run():
            try:
                work()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))
                stop.set()
        return run

    def resp_writer():
        c = make_client(decode=False)
        i = 0
        while not stop.is_set():
            pipe = c.pipeline(transaction=False)
            for _ in range(8):
                value = bytes([letters[i % 4]]) * size
                if i % 2:
                    pipe.set("hot", value)
                else:
                    pipe.mset({"hot": value, "other": b"x" * 64})
                i += 1
            pipe.execute()

    def mc_writer():
        c = make_pymemcache()
        i = 0
        while not stop.is_set():
            c.set("hot", bytes([letters[4 + i % 4]]) * size)
            i += 1

    def resp_reader():
        c = make_client(decode=False)
        while not stop.is_set():
            check(c.get("hot"))
            check(c.mget("hot", "other")[0])

    def http_reader():
        # HTTP runs on Kestrel's threads, not the RESP/memcached loop: its reads race the writes for real, and its
        # reply is sent after the key's lock is released, from the array the read took.
        c = http.client.HTTPConnection(HOST, int(os.environ.get("PURPLE_HTTP_PORT", "8080")), timeout=30)
        while not stop.is_set():
            c.request("GET", "/kv/hot")
            response = c.getresponse()
            body = response.read()
            check(body if response.status == 200 else None)

    def mc_reader():
        c = make_pymemcache()
        while not stop.is_set():
            check(c.get("hot"))
            check(c.gets("hot")[0])

    r.set("hot", b"A" * size)
    threads = [threading.Thread(target=guarded(w)) for w in (resp_writer, mc_writer, resp_reader, mc_reader, http_reader)]
    for t in threads:
        t.start()
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(30)
    assert errors == []
    assert reads[0] > 100, f"only {reads[0]} reads in 3 s"
    assert torn == [], f"{len(torn)} of {reads[0]} reads mixed two writes, e.g. {torn[:3]}"
