"""A connection flood past the process's open-file limit, against a purple-node of its own started under
`prlimit --nofile`: the node warns at startup, serves what fits, refuses the rest in each protocol's own words
(redis-py and pymemcache see Redis's and memcached's refusals), stays up, and serves new clients once the
flood is gone. Without the budget .NET itself fails when descriptors run out (docs/limits.md)."""
import socket
import time

import pymemcache.client.base
import pymemcache.exceptions
import pytest
import redis

from secured_server import SecuredServer

LIMIT = 700  # the runtime holds ~200 descriptors at idle; DescriptorBudget keeps 256 more back


# Both transports: the epoll one bounds its open sockets itself, Kestrel's own is wrapped to the same bound.
@pytest.fixture(scope="module", params=["epoll", "sockets"])
def server(request):
    s = SecuredServer("purple", password=False, prefix=("prlimit", f"--nofile={LIMIT}"),
                      extra=("--transport", request.param))
    yield s
    s.stop()


def test_a_flood_past_the_open_file_limit_is_refused_in_protocol_and_the_node_stays_up(server):
    assert b"open-file limit (700)" in server.log()
    flood = []
    try:
        for _ in range(LIMIT + 100):
            flood.append(socket.create_connection(("127.0.0.1", server.resp), timeout=10))
        served = refused = 0
        for s in flood:
            s.sendall(b"PING\r\n")
            reply = s.recv(100)
            if reply == b"+PONG\r\n":
                served += 1
            elif reply == b"-ERR max number of clients reached\r\n":
                refused += 1
            else:
                raise AssertionError(f"unexpected reply {reply!r}")
        assert 0 < served < LIMIT
        assert refused == len(flood) - served

        # Other protocols meet the same budget while the flood holds it, and say so in their own terms.
        with socket.create_connection(("127.0.0.1", server.resp), timeout=5) as raw:
            assert raw.recv(100) == b"-ERR max number of clients reached\r\n"
        # redis-py reports the refusal as a connection error. As against Redis, which also refuses on accept, the
        # refusal can arrive before redis-py's first command: it then says "Connection has data", retries once,
        # and says "Connection not ready" (redis-py 4.3's pool check).
        with pytest.raises(redis.ConnectionError, match="max number of clients reached|Connection not ready"):
            redis.Redis(host="127.0.0.1", port=server.resp, socket_timeout=5).ping()
        # memcached's own refusal line, which pymemcache reports as an ERROR reply to its command.
        mc = pymemcache.client.base.Client(("127.0.0.1", server.memcached), timeout=5)
        with pytest.raises(pymemcache.exceptions.MemcacheUnknownCommandError):
            mc.version()
        mc.close()
        with socket.create_connection(("127.0.0.1", server.memcached), timeout=5) as raw:
            assert raw.recv(100) == b"ERROR Too many open connections\r\n"
        assert server.proc.poll() is None
    finally:
        for s in flood:
            s.close()

    deadline = time.time() + 15
    while True:
        try:
            assert redis.Redis(host="127.0.0.1", port=server.resp, socket_timeout=5).ping()
            break
        except redis.ConnectionError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    mc = pymemcache.client.base.Client(("127.0.0.1", server.memcached), timeout=5)
    mc.set("fd:after", b"ok")
    assert mc.get("fd:after") == b"ok"
    mc.close()
    assert server.proc.poll() is None
