"""Connection-level behaviour: version, verbosity, quit, unknown commands, HTTP on the port,
half-sent values, noreply on every command that takes it, pipelining, stats.
Replies are memcached 1.6.18's."""
import re
import threading
import time

import pytest

from .mc_target import make_pymemcache

V = [b"VALUE k 0 1", b"v", b"END"]
END = [b"END"]
ALL_NOREPLY = [
    # (setup lines, command with noreply, (next command, its whole expected reply))
    ([], "set k 0 0 1 noreply\r\nv", ("get k", V)),
    ([], "add k 0 0 1 noreply\r\nv", ("get k", V)),
    (["set k 0 0 1\r\nv"], "replace k 5 0 1 noreply\r\nw", ("get k", [b"VALUE k 5 1", b"w", b"END"])),
    (["set k 0 0 1\r\nv"], "append k 0 0 2 noreply\r\nxy", ("get k", [b"VALUE k 0 3", b"vxy", b"END"])),
    (["set k 0 0 1\r\nv"], "prepend k 0 0 2 noreply\r\nxy", ("get k", [b"VALUE k 0 3", b"xyv", b"END"])),
    (["set k 0 0 1\r\nv"], "delete k noreply", ("get k", END)),
    (["set k 0 0 1\r\n5"], "incr k 3 noreply", ("incr k 0", [b"8"])),
    (["set k 0 0 1\r\n5"], "decr k 3 noreply", ("incr k 0", [b"2"])),
    (["set k 0 0 1\r\nv"], "touch k 100 noreply", ("mg k t", [re.compile(rb"HD t(99|100)")])),
    (["set k 0 0 1\r\nv"], "flush_all noreply", ("get k", END)),
    (["set k 0 0 1\r\nv"], "flush_all 0 noreply", ("get k", END)),
    ([], "verbosity 0 noreply", ("version", [re.compile(rb"VERSION .+")])),
    # the replies that noreply suppresses are also the negative ones
    ([], "replace k 0 0 1 noreply\r\nv", ("get k", END)),
    ([], "append k 0 0 1 noreply\r\nv", ("get k", END)),
    ([], "delete k noreply", ("get k", END)),
    ([], "incr k 1 noreply", ("get k", END)),
    ([], "decr k 1 noreply", ("get k", END)),
    ([], "touch k 1 noreply", ("get k", END)),
    ([], "cas k 0 0 1 1 noreply\r\nv", ("get k", END)),
    (["set k 0 0 1\r\nv"], "add k 0 0 1 noreply\r\nw", ("get k", V)),
    (["set k 0 0 1\r\nv"], "cas k 0 0 1 1 noreply\r\nw", ("get k", V)),
    (["set k 0 0 1\r\nv"], "incr k 1 noreply", ("get k", V)),   # non-numeric: error suppressed
]


@pytest.mark.parametrize("setup,cmd,check", ALL_NOREPLY, ids=[c[1].split("\r")[0] for c in ALL_NOREPLY])
def test_noreply(mcraw, setup, cmd, check):
    for s in setup:
        mcraw.send(s + "\r\n")
        assert mcraw.line() == b"STORED"
    mcraw.send(cmd + "\r\n")
    mcraw.send_line(check[0])                   # the next lines must be the next command's reply
    for want in check[1]:
        got = mcraw.line()
        if isinstance(want, bytes):
            assert got == want
        else:
            assert want.fullmatch(got), got
    assert mcraw.silent()


def test_cas_noreply_stores(mcraw):
    mcraw.store("set", "k", "v")
    cas = mcraw.value("k").cas
    mcraw.send(f"cas k 0 0 1 {cas} noreply\r\nw\r\n")
    assert mcraw.value("k").data == b"w"


def test_noreply_suppresses_client_errors_too(mcraw):
    # memcached 1.6.18 drops CLIENT_ERROR / SERVER_ERROR lines under noreply as well
    mcraw.store("set", "s", "text")
    mcraw.send("incr k abc noreply\r\n"
               "incr s 1 noreply\r\n"
               "touch k abc noreply\r\n"
               "flush_all abc noreply\r\n"
               "verbosity abc noreply\r\n"
               "delete s 5 noreply\r\n")
    mcraw.send(b"set big 0 0 2000000 noreply\r\n" + b"x" * 2_000_000 + b"\r\n")
    assert mcraw.call("version").startswith(b"VERSION ")
    assert mcraw.value("s").data == b"text"
    assert mcraw.value("big") is None


def test_noreply_on_an_unknown_command_is_still_error(mcraw):
    assert mcraw.call("bogus noreply") == b"ERROR"


def test_pymemcache_default_noreply_writes_land(mcraw):
    c = make_pymemcache(default_noreply=True)
    try:
        for i in range(100):
            assert c.set(f"k{i}", str(i).encode()) is True   # noreply: always True
        c.delete("k0")
        assert c.get("k99") == b"99"                       # a reply after 101 silent writes
        assert c.get("k0") is None
    finally:
        c.close()


def test_pipelined_commands_answer_in_order(mcraw):
    batch = b"".join(b"set p%d 0 0 %d\r\n%d\r\n" % (i, len(b"%d" % i), i) for i in range(200))
    batch += b"get p0 p199 missing\r\nversion\r\n" + b"incr p5 1\r\n" * 3
    mcraw.send(batch)
    assert [mcraw.line() for _ in range(200)] == [b"STORED"] * 200
    assert [mcraw.line() for _ in range(5)] == [b"VALUE p0 0 1", b"0", b"VALUE p199 0 3", b"199", b"END"]
    assert mcraw.line().startswith(b"VERSION ")
    assert [mcraw.line() for _ in range(3)] == [b"6", b"7", b"8"]


# --- small commands ----------------------------------------------------------------------

def test_version(mcraw, mc):
    line = mcraw.call("version")
    assert re.fullmatch(rb"VERSION \d+\.\d+\.\d+\S*", line), line
    assert mc.version() == line[len(b"VERSION "):]
    assert mcraw.stats()["version"].encode() == line[len(b"VERSION "):]


def test_verbosity(mcraw):
    assert mcraw.call("verbosity 1") == b"OK"
    assert mcraw.call("verbosity 0") == b"OK"
    assert mcraw.call("verbosity") == b"ERROR"
    assert mcraw.call("verbosity abc") == b"CLIENT_ERROR bad command line format"
    assert mcraw.call("verbosity foo bar my") == b"ERROR"
    mcraw.send("verbosity noreply\r\n")        # noreply alone: no level, and no reply
    assert mcraw.call("version").startswith(b"VERSION ")


def test_quit_closes_after_earlier_replies(mcraw):
    mcraw.store("set", "k", "v")
    mcraw.send("get k\r\nquit\r\nversion\r\n")
    assert [mcraw.line() for _ in range(3)] == [b"VALUE k 0 1", b"v", b"END"]
    assert mcraw.is_closed()                 # nothing after quit is answered


def test_quit_with_pymemcache(mc):
    mc.set("k", b"v")
    mc.quit()
    assert mc.get("k") == b"v"               # pymemcache reconnects


@pytest.mark.parametrize("line", ["bogus", "GET foo", "GET", "SET k 0 0 1", "mget a", "stats bogus"])
def test_unknown_command_is_error(mcraw, line):
    assert mcraw.call(line) == b"ERROR"
    assert mcraw.call("version").startswith(b"VERSION ")


def test_empty_line_is_error(mcraw):
    assert mcraw.call("") == b"ERROR"


@pytest.mark.parametrize("line", ["GET / HTTP/1.1", "POST /x HTTP/1.0", "foo bar HTTP/1.1"])
def test_http_request_line_closes_connection(raw_factory, line):
    c = raw_factory()
    c.send(line + "\r\nHost: localhost\r\n\r\n")
    assert c.is_closed()


def test_get_with_http_like_key_is_a_get(mcraw):
    assert mcraw.call("get / HTTP/1.1") == b"END"


def test_connection_that_dies_mid_value_does_not_hurt_others(mcraw, sock_factory, raw_factory):
    mcraw.store("set", "k", "old")
    half = sock_factory()
    half.sendall(b"set k 0 0 100\r\n" + b"x" * 40)          # 40 of 100 bytes, then gone
    other = raw_factory()
    assert other.store("set", "o", "fine") == b"STORED"      # others are served meanwhile
    half.close()
    time.sleep(0.2)
    assert other.value("k").data == b"old"                   # nothing half-written
    assert other.value("o").data == b"fine"
    assert mcraw.store("set", "k", "new") == b"STORED"
    assert other.value("k").data == b"new"


def test_concurrent_clients_each_see_their_own_replies(raw_factory):
    errors = []

    def worker(n):
        try:
            c = raw_factory()
            for i in range(200):
                v = f"{n}-{i}"
                assert c.store("set", f"w{n}", v) == b"STORED"
                assert c.value(f"w{n}").data == v.encode()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    raw_factory().call("flush_all")
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
