"""Connection commands: PING ECHO QUIT HELLO AUTH SELECT CLIENT COMMAND, and the generic
error replies (unknown command, wrong arity)."""
import re

import pytest
import redis

from conftest import HOST, PORT, TARGET
from resp_client import RespClient, RespError, SimpleString


def test_ping(r, raw):
    assert r.ping() is True
    assert raw.call("PING") == "PONG"
    assert isinstance(raw.call("PING"), SimpleString)


def test_ping_with_message(raw):
    reply = raw.call("PING", "hello world")
    assert reply == "hello world"
    assert not isinstance(reply, SimpleString)  # a bulk string, not +hello world


def test_ping_arity(raw):
    with pytest.raises(RespError, match="^ERR wrong number of arguments for 'ping' command$"):
        raw.call("PING", "a", "b")


def test_echo(r, rb):
    assert r.echo("hello") == "hello"
    assert rb.echo(b"\x00\xff\r\n") == b"\x00\xff\r\n"
    assert r.echo("") == ""


def test_echo_arity(r):
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'echo' command$"):
        r.execute_command("ECHO")


def test_unknown_command(r):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("FOO", "bar", "baz")
    assert str(e.value) == "unknown command 'FOO', with args beginning with: 'bar' 'baz' "


def test_unknown_command_no_args(raw):
    with pytest.raises(RespError) as e:
        raw.call("FOO")
    assert e.value.message == "ERR unknown command 'FOO', with args beginning with: "


def test_unknown_command_keeps_case(raw):
    with pytest.raises(RespError) as e:
        raw.call("fooBar", "x")
    assert e.value.message == "ERR unknown command 'fooBar', with args beginning with: 'x' "


def test_commands_are_case_insensitive(raw):
    assert raw.call("set", "k", "v") == "OK"
    assert raw.call("gEt", "k") == "v"
    assert raw.call("SeT", "k", "w", "ex", "10", "nx") is None


@pytest.mark.parametrize("cmd,args", [("get", []), ("set", ["k"]), ("incr", []), ("sadd", ["s"]),
                                      ("del", []), ("expire", ["k"]), ("mget", []), ("scard", [])])
def test_wrong_arity(raw, cmd, args):
    with pytest.raises(RespError) as e:
        raw.call(cmd.upper(), *args)
    assert e.value.message == f"ERR wrong number of arguments for '{cmd}' command"


def test_inline_command(raw):
    raw.send_raw(b"PING\r\n")
    assert raw.read() == "PONG"
    raw.send_raw(b"SET inl value\r\nGET inl\r\n")
    assert raw.read() == "OK"
    assert raw.read() == "value"


def test_quit_closes_connection():
    c = RespClient(HOST, PORT)
    try:
        assert c.call("QUIT") == "OK"
        assert c.sock.recv(1) == b""  # the server closed its side
    finally:
        c.close()


def test_pipelined_replies_in_order(raw):
    cmds = [("SET", f"k{i}", str(i)) for i in range(100)] + [("GET", f"k{i}") for i in range(100)]
    replies = raw.pipeline(cmds)
    assert replies[:100] == ["OK"] * 100
    assert replies[100:] == [str(i) for i in range(100)]


def test_hello_no_args_reports_resp2(raw):
    hello = raw.call("HELLO")
    assert isinstance(hello, list)  # RESP2: flat array of name/value pairs
    d = dict(zip(hello[0::2], hello[1::2]))
    assert d["proto"] == 2


def test_hello_3_returns_map(raw):
    hello = raw.call("HELLO", "3")
    assert isinstance(hello, dict)
    assert {"server", "version", "proto", "id", "mode", "role", "modules"} <= set(hello)
    assert hello["proto"] == 3
    assert isinstance(hello["server"], str) and hello["server"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", hello["version"])
    assert isinstance(hello["id"], int)
    assert hello["mode"] == "standalone"
    assert hello["role"] == "master"
    assert hello["modules"] == []


def test_hello_2_after_3(raw):
    raw.call("HELLO", "3")
    hello = raw.call("HELLO", "2")
    assert isinstance(hello, list)
    assert dict(zip(hello[0::2], hello[1::2]))["proto"] == 2
    assert raw.call("GET", "missing") is None


def test_hello_bad_protocol(raw):
    with pytest.raises(RespError, match="^NOPROTO unsupported protocol version$"):
        raw.call("HELLO", "4")
    with pytest.raises(RespError, match="^NOPROTO unsupported protocol version$"):
        raw.call("HELLO", "1")
    with pytest.raises(RespError, match="^ERR Protocol version is not an integer or out of range$"):
        raw.call("HELLO", "x")


def test_hello_setname(raw):
    raw.call("HELLO", "3", "SETNAME", "myconn")
    assert raw.call("CLIENT", "GETNAME") == "myconn"


def test_auth_without_password_configured(r):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("AUTH", "secret")
    assert str(e.value) == ("AUTH <password> called without any password configured for the "
                            "default user. Are you sure your configuration is correct?")


def test_auth_user_pass_without_password_configured(raw):
    with pytest.raises(RespError,
                       match=r"^WRONGPASS invalid username-password pair or user is disabled\.$"):
        raw.call("AUTH", "someone", "secret")


def test_client_setname_getname(r, raw):
    assert raw.call("CLIENT", "GETNAME") is None
    assert raw.call("CLIENT", "SETNAME", "worker-1") == "OK"
    assert raw.call("CLIENT", "GETNAME") == "worker-1"
    assert r.client_setname("py") is True
    assert r.client_getname() == "py"


def test_client_setname_invalid(raw):
    with pytest.raises(RespError,
                       match="^ERR Client names cannot contain spaces, newlines or special characters.$"):
        raw.call("CLIENT", "SETNAME", "has space")


def test_client_setname_empty_clears(raw):
    raw.call("CLIENT", "SETNAME", "x")
    assert raw.call("CLIENT", "SETNAME", "") == "OK"
    assert raw.call("CLIENT", "GETNAME") is None


def test_client_id_and_info(raw):
    cid = raw.call("CLIENT", "ID")
    assert isinstance(cid, int) and cid > 0
    raw.call("CLIENT", "SETNAME", "infotest")
    raw.call("SELECT", "3")
    info = raw.call("CLIENT", "INFO")
    assert info.endswith("\n")
    fields = dict(f.split("=", 1) for f in info.strip().split(" "))
    assert fields["id"] == str(cid)
    assert fields["name"] == "infotest"
    assert fields["db"] == "3"
    assert fields["resp"] == "2"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", fields["addr"])


def test_client_ids_are_distinct(raw):
    other = RespClient(HOST, PORT)
    try:
        assert other.call("CLIENT", "ID") != raw.call("CLIENT", "ID")
    finally:
        other.close()


def test_client_list_contains_self(raw, r):
    raw.call("CLIENT", "SETNAME", "listed")
    cid = raw.call("CLIENT", "ID")
    lines = raw.call("CLIENT", "LIST").strip().split("\n")
    mine = [ln for ln in lines if f"id={cid} " in ln]
    assert len(mine) == 1 and " name=listed " in mine[0]
    clients = r.client_list()
    assert any(c["name"] == "listed" for c in clients)


def test_client_unknown_subcommand(raw):
    with pytest.raises(RespError, match=r"^ERR unknown subcommand 'NOPE'. Try CLIENT HELP.$"):
        raw.call("CLIENT", "NOPE")


@pytest.mark.skipif(TARGET == "redis", reason="CLIENT SETINFO is Redis 7.2+; the reference server is 7.0")
def test_client_setinfo(raw):
    assert raw.call("CLIENT", "SETINFO", "lib-name", "redis-py") == "OK"
    assert raw.call("CLIENT", "SETINFO", "lib-ver", "4.3.4") == "OK"
    fields = dict(f.split("=", 1) for f in raw.call("CLIENT", "INFO").strip().split(" "))
    assert fields["lib-name"] == "redis-py"
    assert fields["lib-ver"] == "4.3.4"


def test_command_count(r):
    n = r.command_count()
    assert isinstance(n, int) and n > 0


def test_command_info_get(raw):
    info = raw.call("COMMAND", "INFO", "get")
    assert len(info) == 1
    name, arity, flags, first, last, step = info[0][:6]
    assert name == "get"
    assert arity == 2
    assert "readonly" in flags
    assert (first, last, step) == (1, 1, 1)


def test_command_info_set_and_mset(raw):
    (s, m) = raw.call("COMMAND", "INFO", "set", "mset")
    assert s[0] == "set" and s[1] == -3 and "write" in s[2]
    assert m[0] == "mset" and m[1] == -3 and tuple(m[3:6]) == (1, -1, 2)


def test_command_info_unknown(raw):
    assert raw.call("COMMAND", "INFO", "nosuchcommand") == [None]


def test_command_docs(raw):
    docs = raw.call("COMMAND", "DOCS", "get")
    d = dict(zip(docs[0::2], docs[1::2]))
    assert "get" in d
    get = dict(zip(d["get"][0::2], d["get"][1::2]))
    assert "summary" in get and get["summary"]


def test_select_via_redis_py(client_factory):
    c = client_factory(db=7)
    c.set("x", "seven")
    assert c.get("x") == "seven"
    assert client_factory(db=0).get("x") is None
