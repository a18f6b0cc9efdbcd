"""incr/decr, touch, exptime rules and flush_all (also delayed). Replies are memcached 1.6.18's.

memcached's clock ticks once a second and an item with a relative exptime N may expire up to a
second early, so timing checks only assert "still there right away" and "gone after N+1 s"."""
import time

import pytest
from pymemcache.exceptions import MemcacheClientError

MAX64 = 18446744073709551615


def wait_until_gone(c, key, deadline_s):
    """Poll `gets key` until it misses; returns the seconds waited (fails after deadline_s)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        if c.value(key) is None:
            return time.monotonic() - t0
        time.sleep(0.1)
    pytest.fail(f"{key!r} still present after {deadline_s} s")


# --- incr / decr -------------------------------------------------------------------------

def test_incr_decr_exact_replies(mcraw):
    assert mcraw.call("incr n 1") == b"NOT_FOUND"
    assert mcraw.call("decr n 1") == b"NOT_FOUND"
    assert mcraw.value("n") is None                    # no autovivify in the classic commands
    mcraw.store("set", "n", "10", flags=3)
    assert mcraw.call("incr n 5") == b"15"
    assert mcraw.call("incr n 0") == b"15"
    assert mcraw.call("decr n 4") == b"11"
    v = mcraw.value("n")
    assert (v.flags, v.data) == (3, b"11")             # flags survive


def test_incr_wraps_at_64_bits(mcraw):
    mcraw.store("set", "n", str(MAX64))
    assert mcraw.call("incr n 1") == b"0"
    assert mcraw.call(f"incr n {MAX64}") == str(MAX64).encode()
    assert mcraw.call("incr n 2") == b"1"
    assert mcraw.value("n").data.rstrip(b" ") == b"1"   # see test_decr_floors_at_zero


def test_decr_floors_at_zero(mcraw):
    mcraw.store("set", "n", "100")
    assert mcraw.call("decr n 1") == b"99"
    assert mcraw.call("decr n 1000") == b"0"
    assert mcraw.call("decr n 1") == b"0"
    # memcached may leave a shortened number space-padded in place ("0  "); protocol.txt says
    # not to rely on either, so only the digits are compared
    assert mcraw.value("n").data.rstrip(b" ") == b"0"
    assert mcraw.call("incr n 7") == b"7"


def test_incr_on_a_number_with_leading_zeros_and_spaces(mcraw):
    mcraw.store("set", "n", "0012")
    assert mcraw.call("incr n 1") == b"13"
    mcraw.store("set", "n", " 12")
    assert mcraw.call("incr n 1") == b"13"


@pytest.mark.parametrize("value", [b"abc", b"-12", b"", b"1.5", b"184467440737095516150"])
def test_incr_non_numeric_value(mcraw, value):
    mcraw.store("set", "s", value)
    assert mcraw.call("incr s 1") == b"CLIENT_ERROR cannot increment or decrement non-numeric value"
    assert mcraw.call("decr s 1") == b"CLIENT_ERROR cannot increment or decrement non-numeric value"
    assert mcraw.value("s").data == value


@pytest.mark.parametrize("delta", ["-1", "abc", "18446744073709551616", "1x"])
def test_incr_invalid_delta(mcraw, delta):
    mcraw.store("set", "n", "5")
    assert mcraw.call(f"incr n {delta}") == b"CLIENT_ERROR invalid numeric delta argument"
    assert mcraw.call(f"decr n {delta}") == b"CLIENT_ERROR invalid numeric delta argument"
    assert mcraw.call("incr missing abc") == b"CLIENT_ERROR invalid numeric delta argument"
    assert mcraw.value("n").data == b"5"


def test_incr_without_delta_is_error(mcraw):
    assert mcraw.call("incr n") == b"ERROR"
    assert mcraw.call("decr") == b"ERROR"


def test_incr_decr_with_pymemcache(mc):
    assert mc.incr("n", 1) is None
    mc.set("n", b"41")
    assert mc.incr("n", 1) == 42
    assert mc.decr("n", 50) == 0
    assert mc.incr("n", MAX64) == MAX64
    assert mc.incr("n", 1) == 0
    mc.set("s", b"text")
    with pytest.raises(MemcacheClientError, match="cannot increment or decrement non-numeric value"):
        mc.incr("s", 1)


# --- touch -------------------------------------------------------------------------------

def test_touch(mcraw):
    assert mcraw.call("touch k 10") == b"NOT_FOUND"
    mcraw.store("set", "k", "v", flags=4)
    assert mcraw.call("touch k 100") == b"TOUCHED"
    assert 98 <= int(mcraw.meta("mg k t").flag("t")) <= 100
    assert mcraw.call("touch k 0") == b"TOUCHED"
    assert mcraw.meta("mg k t").flag("t") == b"-1"
    v = mcraw.value("k")
    assert (v.flags, v.data) == (4, b"v")
    assert mcraw.call("touch k") == b"ERROR"
    assert mcraw.call("touch k abc") == b"CLIENT_ERROR invalid exptime argument"


def test_touch_with_pymemcache(mc, mcraw):
    assert mc.touch("k", 10) is False
    mc.set("k", b"v")
    assert mc.touch("k", 50) is True
    assert 48 <= int(mcraw.meta("mg k t").flag("t")) <= 50


def test_touch_negative_expires(mcraw):
    mcraw.store("set", "k", "v")
    assert mcraw.call("touch k -1") == b"TOUCHED"
    assert mcraw.value("k") is None


# --- exptime -----------------------------------------------------------------------------

def test_exptime_zero_never_expires(mcraw):
    mcraw.store("set", "k", "v", exptime=0)
    assert mcraw.meta("mg k t").flag("t") == b"-1"


def test_relative_exptime_expires(mcraw):
    mcraw.store("set", "k", "v", exptime=2)
    assert mcraw.value("k").data == b"v"
    assert 1 <= int(mcraw.meta("mg k t").flag("t")) <= 2
    waited = wait_until_gone(mcraw, "k", 3.5)
    assert waited >= 0.5                              # not at once: memcached expires 1 s early at most
    assert mcraw.call("touch k 0") == b"NOT_FOUND"


def test_negative_exptime_is_expired_at_once(mcraw, mc):
    assert mcraw.store("set", "k", "v", exptime=-1) == b"STORED"
    assert mcraw.value("k") is None
    mcraw.store("set", "k", "old")
    assert mcraw.store("set", "k", "new", exptime=-1) == b"STORED"
    assert mcraw.value("k") is None                      # the old value went too
    assert mc.set("p", b"x", expire=-1) is True
    assert mc.get("p") is None


def test_absolute_unix_time(mcraw):
    now = int(time.time())
    assert mcraw.store("set", "future", "v", exptime=now + 100) == b"STORED"
    assert mcraw.value("future").data == b"v"
    # memcached's clock is whole seconds since its start, so a Unix time may read a second long
    assert 97 <= int(mcraw.meta("mg future t").flag("t")) <= 101
    assert mcraw.store("set", "past", "v", exptime=now - 100) == b"STORED"
    assert mcraw.value("past") is None


def test_thirty_days_is_the_boundary(mcraw):
    # exactly 30 days (2592000 s) is still relative; one second more is a Unix time (in 1970)
    mcraw.store("set", "rel", "v", exptime=2592000)
    assert 2591997 <= int(mcraw.meta("mg rel t").flag("t")) <= 2592000
    mcraw.store("set", "abs", "v", exptime=2592001)
    assert mcraw.value("abs") is None


def test_exptime_with_pymemcache(mc, mcraw):
    mc.set("k", b"v", expire=300)
    assert 298 <= int(mcraw.meta("mg k t").flag("t")) <= 300


# --- flush_all ---------------------------------------------------------------------------

def test_flush_all(mcraw, mc):
    for k in ("a", "b", "c"):
        mcraw.store("set", k, "v")
    assert mcraw.call("flush_all") == b"OK"
    assert mcraw.values("get a b c") == {}
    assert mcraw.store("add", "a", "new") == b"STORED"      # the slot is free again
    mc.set("x", b"1")
    assert mc.flush_all() is True
    assert mc.get("x") is None


def test_flush_all_with_delay(mcraw):
    mcraw.store("set", "k", "v")
    t0 = time.monotonic()
    assert mcraw.call("flush_all 3") == b"OK"
    assert mcraw.value("k").data == b"v"               # still there right after
    assert time.monotonic() - t0 < 0.9
    waited = wait_until_gone(mcraw, "k", 5.0)
    assert waited >= 0.9                               # memcached: 1-2 s after the call (its clock
    #                                                    ticks whole seconds), Purple: 3 s
    # the delayed flush is spent: a key stored afterwards stays (memcached also drops keys
    # stored within the deadline's second, hence the pause)
    time.sleep(1.1)
    mcraw.store("set", "after", "v")
    time.sleep(1.2)
    assert mcraw.value("after").data == b"v"


def test_flush_all_arguments(mcraw):
    mcraw.store("set", "k", "v")
    assert mcraw.call("flush_all 0") == b"OK"
    assert mcraw.value("k") is None
    assert mcraw.call("flush_all abc") == b"CLIENT_ERROR invalid exptime argument"
