"""--storage redis (docs/storage.md, "External Redis"): Purple nodes as stateless front ends over a real
redis-server started here. Data is shared between front ends and plain Redis clients, memcached flags and CAS
survive the trip, the operations this mode cannot do fail with a clear error, and a Redis that goes away gives
clients errors within the timeout — never a hang — and service resumes when it is back."""
import os
import socket
import threading
import time

import pytest
import redis
from pymemcache.client.base import Client as Memcache

from secured_server import RedisServer, SecuredServer

pytestmark = pytest.mark.skipif(os.environ.get("PURPLE_TARGET") == "redis",
                                reason="a Purple-only mode: against real Redis there is no front end to test")


@pytest.fixture(scope="module")
def backend():
    server = RedisServer()
    yield server
    server.close()


def front_end(backend, *extra):
    return SecuredServer("purple", password=False,
                         extra=["--storage", "redis", "--redis", f"redis://127.0.0.1:{backend.port}/2",
                                "--redis-timeout", "2s", *extra])


@pytest.fixture(scope="module")
def nodes(backend):
    a, b = front_end(backend), front_end(backend)
    yield a, b
    a.stop()
    b.stop()


def test_two_front_ends_and_plain_redis_share_the_data(backend, nodes):
    a, b = nodes
    ra = redis.Redis(port=a.resp)
    rb = redis.Redis(port=b.resp)
    plain = redis.Redis(port=backend.port, db=2)     # Purple's db 0 is Redis db 2 (the URL's base)
    assert ra.set("shared", "from-a") is True
    assert rb.get("shared") == b"from-a"
    assert plain.get("shared") == b"from-a"
    plain.set("written-by-redis", "r")
    assert ra.get("written-by-redis") == b"r"
    assert rb.incr("count", 5) == 5 and ra.incr("count") == 6
    assert ra.sadd("s", "x", "y") == 2 and sorted(rb.smembers("s")) == [b"x", b"y"]
    ra.select(3) if hasattr(ra, "select") else None
    r3 = redis.Redis(port=a.resp, db=3)
    r3.set("in-db3", "v")
    assert redis.Redis(port=backend.port, db=5).get("in-db3") == b"v"
    # Purple's bookkeeping keys stay out of sight of Purple's clients.
    assert b"purple:meta" not in ra.keys("*") and ra.dbsize() == len(ra.keys("*"))


def test_memcached_flags_and_cas_work_across_front_ends(nodes):
    a, b = nodes
    # default_noreply=False: a set must be acknowledged before the other front end looks for it.
    ma = Memcache(("127.0.0.1", a.memcached), default_noreply=False)
    mb = Memcache(("127.0.0.1", b.memcached), default_noreply=False)
    assert ma.set("item", b"v1", flags=42)
    value, cas = mb.gets("item")
    assert value == b"v1"
    raw = socket.create_connection(("127.0.0.1", b.memcached))
    raw.sendall(b"get item\r\n")
    assert raw.recv(100).startswith(b"VALUE item 42 2\r\nv1")
    raw.close()
    assert ma.cas("item", b"v2", cas) is True           # the CAS b read is the one a checks
    assert mb.cas("item", b"v3", cas) is False          # and it changed with the write
    assert mb.get("item") == b"v2"
    redis.Redis(port=a.resp).set("item", "by-resp")
    assert ma.cas("item", b"v4", mb.gets("item")[1]) is True


def test_metadata_of_keys_gone_outside_purple_is_swept(backend, nodes):
    a, _ = nodes
    m = Memcache(("127.0.0.1", a.memcached), default_noreply=False)
    plain = redis.Redis(port=backend.port, db=2)
    for i in range(20):
        assert m.set(f"sweep{i}", b"v", flags=7, expire=1 if i % 2 else 0)
    fields = lambda: {f.decode() for f in plain.hkeys("purple:meta") if f.startswith(b"sweep")}
    assert len(fields()) == 20
    # Half expire in Redis, the other half another client deletes: neither goes through Purple.
    plain.delete(*[f"sweep{i}" for i in range(0, 20, 2)])
    deadline = time.time() + 10
    while fields() and time.time() < deadline:
        time.sleep(0.2)
    assert fields() == set(), "metadata of gone keys is still there"
    # Both front ends walk the metadata; between them they dropped every entry.
    assert sum(n.metric("purple_redis_metadata_swept_total") for n in nodes) >= 20


def test_what_this_mode_cannot_do_fails_with_a_clear_error(backend, nodes):
    a, _ = nodes
    # Memory and eviction are the Redis server's: CONFIG reads them from it, and sends a SET to it.
    r, plain = redis.Redis(port=a.resp, decode_responses=True), redis.Redis(port=backend.port, decode_responses=True)
    assert r.config_get("maxmemory-policy") == plain.config_get("maxmemory-policy")
    with pytest.raises(redis.ResponseError, match="maxmemory is the Redis server's with --storage redis"):
        r.config_set("maxmemory", "100mb")
    raw = socket.create_connection(("127.0.0.1", a.memcached))
    raw.sendall(b"mg lease-key N30 v\r\n")
    line = raw.recv(200)
    raw.close()
    assert line.startswith(b"SERVER_ERROR not supported with --storage redis")


def test_a_redis_that_goes_away_gives_errors_in_time_and_service_resumes(backend):
    node = front_end(backend)
    try:
        client = redis.Redis(port=node.resp, socket_timeout=10)
        client.set("before", "1")
        errors, successes, stop = [], [], threading.Event()

        def load():
            i = 0
            while not stop.is_set():
                started = time.time()
                try:
                    client.set(f"k{i}", i)
                    successes.append(time.time())
                except redis.ResponseError as e:
                    errors.append((str(e), time.time() - started))
                i += 1
                time.sleep(0.01)

        worker = threading.Thread(target=load)
        worker.start()
        time.sleep(0.5)
        backend.stop()
        time.sleep(2.5)
        backend.start()
        deadline = time.time() + 15
        resumed = False
        while time.time() < deadline:
            if successes and successes[-1] > time.time() - 0.5 and errors:
                resumed = True
                break
            time.sleep(0.1)
        stop.set()
        worker.join(timeout=20)
        assert errors, "no client saw the outage"
        assert all("redis" in text.lower() and any(word in text.lower() for word in ("unavailable", "unreachable", "connection"))
                   for text, _ in errors), errors[:3]
        assert max(took for _, took in errors) < 2.5 + 1, "a call waited longer than --redis-timeout"
        assert resumed, "writes did not resume after Redis came back"
        assert client.set("after", "1") is True
    finally:
        node.stop()
