"""memcached interop tests: pymemcache and a raw socket client against a running memcached
text-protocol server (Purple's --memcached-port, or a real memcached 1.6.18 via
against-memcached.sh). Nothing here talks RESP: the parent conftest's RESP check is replaced
for this directory by a memcached one (a fixture of the same name overrides it).

Env: PURPLE_HOST (127.0.0.1), PURPLE_MEMCACHED_PORT (11211).
Every test that takes `mc` or `mcraw` runs `flush_all` first."""
import socket

import pytest

from .mc_target import HOST, PORT, make_pymemcache, make_raw


@pytest.fixture(scope="session", autouse=True)
def _server_is_up():
    """Overrides tests/interop/conftest.py's RESP ping for this directory."""
    try:
        c = make_raw()
    except OSError as e:
        pytest.fail(f"no memcached server at {HOST}:{PORT}: {e}", pytrace=False)
    try:
        line = c.call("version")
        assert line.startswith(b"VERSION "), line
    except (OSError, ConnectionError) as e:
        pytest.fail(f"memcached server at {HOST}:{PORT} does not answer `version`: {e}", pytrace=False)
    finally:
        c.close()


@pytest.fixture
def mcraw():
    """A raw connection (McClient); the server is flushed first."""
    c = make_raw()
    assert c.call("flush_all") == b"OK"
    yield c
    c.close()


@pytest.fixture
def mc(mcraw):
    """pymemcache Client (bytes values, noreply off), after the flush of `mcraw`."""
    c = make_pymemcache()
    yield c
    c.close()


@pytest.fixture
def raw_factory():
    """make() -> another raw connection, closed after the test."""
    made = []

    def make(**kw):
        c = make_raw(**kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def sock_factory():
    """make() -> a plain socket to the server (for half-sent commands), closed after the test."""
    made = []

    def make():
        s = socket.create_connection((HOST, PORT), timeout=10)
        made.append(s)
        return s

    yield make
    for s in made:
        try:
            s.close()
        except OSError:
            pass
