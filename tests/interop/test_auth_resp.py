"""--requirepass over RESP with redis-py and redis-cli, against a server of its own (purple-node, or
redis-server --requirepass with PURPLE_TARGET=redis: the same expectations hold for both)."""
import os
import subprocess

import pytest
import redis

from resp_client import RespClient, RespError
from secured_server import PASSWORD, SecuredServer

TARGET = os.environ.get("PURPLE_TARGET", "purple")


@pytest.fixture(scope="module")
def server():
    s = SecuredServer(TARGET)
    yield s
    s.stop()


def client(server, **kw):
    return redis.Redis(host="127.0.0.1", port=server.resp, socket_timeout=10, decode_responses=True, **kw)


def test_commands_before_auth_are_refused_and_touch_nothing(server):
    c = client(server)
    with pytest.raises(redis.AuthenticationError, match="Authentication required"):
        c.set("auth:k", "v")
    with pytest.raises(redis.AuthenticationError):
        c.get("auth:k")
    with pytest.raises(redis.ResponseError, match="^WRONGPASS invalid username-password pair"):
        c.execute_command("AUTH", "wrong")
    authed = client(server, password=PASSWORD)
    assert authed.exists("auth:k") == 0


def test_redis_py_with_the_password_works_and_hello_authenticates_in_resp3(server):
    c = client(server, password=PASSWORD)
    assert c.set("auth:a", "1") is True
    assert c.incr("auth:a") == 2
    cu = client(server, username="default", password=PASSWORD)
    assert cu.sadd("auth:s", "x") == 1
    with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
        client(server, username="default", password="nope").ping()
    # Debian's redis-py 4.3 has no RESP3: HELLO over a raw connection.
    raw = RespClient("127.0.0.1", server.resp)
    try:
        with pytest.raises(RespError, match="^NOAUTH HELLO must be called with the client already authenticated"):
            raw.call("HELLO", "3")
        with pytest.raises(RespError, match="^WRONGPASS"):
            raw.call("HELLO", "3", "AUTH", "default", "nope")
        hello = raw.call("HELLO", "3", "AUTH", "default", PASSWORD)
        assert hello["proto"] == 3
        assert raw.call("GET", "auth:a") == "2"
        assert raw.call("RESET") == "RESET"
        with pytest.raises(RespError, match="^NOAUTH Authentication required"):
            raw.call("GET", "auth:a")
    finally:
        raw.close()


def test_pipelines_and_transactions_need_auth_too(server):
    c = client(server, password=PASSWORD)
    with c.pipeline(transaction=True) as p:
        p.set("auth:t", "1").incr("auth:t")
        assert p.execute() == [True, 2]
    unauthenticated = client(server)
    with pytest.raises(redis.AuthenticationError):
        with unauthenticated.pipeline(transaction=True) as p:
            p.set("auth:t", "9")
            p.execute()
    assert c.get("auth:t") == "2"


def test_redis_cli_with_and_without_the_password(server):
    def cli(*args, env=None):
        out = subprocess.run(["redis-cli", "-p", str(server.resp), *args], capture_output=True, text=True, timeout=10,
                             env={**os.environ, **(env or {})})
        return (out.stdout + out.stderr).strip()
    assert "NOAUTH" in cli("SET", "auth:cli", "v")
    assert cli("--no-auth-warning", "-a", PASSWORD, "SET", "auth:cli", "v") == "OK"
    assert cli("GET", "auth:cli", env={"REDISCLI_AUTH": PASSWORD}) == "v"
    # redis-cli reports the failed AUTH, then runs the command unauthenticated.
    refused = cli("--no-auth-warning", "-a", "wrong", "GET", "auth:cli")
    assert "WRONGPASS" in refused and "NOAUTH" in refused
