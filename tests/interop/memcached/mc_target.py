"""Where the memcached server under test is, and how to connect to it (shared by conftest.py,
the tests and ../test_memcached_mixed.py)."""
import os

from pymemcache.client.base import Client

from .mc_client import McClient

HOST = os.environ.get("PURPLE_HOST", "127.0.0.1")
PORT = int(os.environ.get("PURPLE_MEMCACHED_PORT", "11211"))


def make_pymemcache(**kw):
    kw.setdefault("default_noreply", False)   # pymemcache's default is noreply=True for writes
    return Client((HOST, PORT), connect_timeout=10, timeout=30, **kw)


def make_raw(timeout=10.0):
    return McClient(HOST, PORT, timeout=timeout)
