"""Interop tests: third-party clients (redis-py, a raw RESP3 socket client) against a running
server. The server is NOT started here: point PURPLE_HOST / PURPLE_RESP_PORT at it
(test.sh starts Purple; run against a real redis-server to check the expectations).

PURPLE_TARGET=redis marks a run against real Redis 7.0, for the few commands that Redis 7.0
lacks but Purple implements from later Redis versions (CLIENT SETINFO, 7.2)."""
import os
import sys

import pytest
import redis

sys.path.insert(0, os.path.dirname(__file__))
from resp_client import RespClient  # noqa: E402

HOST = os.environ.get("PURPLE_HOST", "127.0.0.1")
PORT = int(os.environ.get("PURPLE_RESP_PORT", "6379"))
TARGET = os.environ.get("PURPLE_TARGET", "purple")


def make_client(db=0, decode=True, **kw):
    return redis.Redis(host=HOST, port=PORT, db=db, decode_responses=decode,
                       socket_timeout=30, socket_connect_timeout=10, **kw)


@pytest.fixture(scope="session", autouse=True)
def _server_is_up():
    c = make_client()
    try:
        assert c.ping() is True
    except redis.ConnectionError as e:
        # Every test then errors (the fixture's failure is cached for the session), so the
        # JUnit counts say how many tests could not run.
        pytest.fail(f"no RESP server at {HOST}:{PORT}: {e}", pytrace=False)
    finally:
        c.close()


@pytest.fixture
def r():
    """redis-py client (RESP2, decoded to str) on db 0; every database is flushed first."""
    c = make_client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def rb(r):
    """Same server, bytes in and out (no decoding)."""
    c = make_client(decode=False)
    yield c
    c.close()


@pytest.fixture
def client_factory():
    """make(db=0, decode=True) -> a new redis-py client on its own connection pool."""
    made = []

    def make(**kw):
        c = make_client(**kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def raw(r):
    """A raw RESP client (RESP2 until HELLO 3), after the flush of `r`."""
    c = RespClient(HOST, PORT)
    yield c
    c.close()


@pytest.fixture
def raw3(r):
    """A raw RESP client switched to RESP3 with HELLO 3."""
    c = RespClient(HOST, PORT)
    hello = c.call("HELLO", "3")
    assert hello["proto"] == 3
    yield c
    c.close()


@pytest.fixture
def channel(r):
    """A grpcio channel to the gRPC port (PURPLE_GRPC_PORT), ready, after the flush of `r`."""
    import grpc  # only the gRPC suites use it; the Redis-only runs need not import it
    ch = grpc.insecure_channel(f"{HOST}:{os.environ.get('PURPLE_GRPC_PORT', '8081')}")
    grpc.channel_ready_future(ch).result(timeout=10)
    yield ch
    ch.close()
