"""Meta commands mg ms md ma mn me: flags, return flags in request order, quiet mode, base64
keys, modes and errors. Exact lines are memcached 1.6.18's (leases: test_memcached_meta_leases.py).
CAS numbers differ between servers, so lines with c are compared after reading the CAS."""
import base64
import re

import pytest


def line(c, cmd, data=None):
    """Send a meta command and return its first reply line (data block left unread)."""
    return c.call(cmd, data)


# --- mg ----------------------------------------------------------------------------------

def test_mg_hit_and_miss(mcraw):
    mcraw.store("set", "foo", "bar", flags=123, exptime=100)
    assert line(mcraw, "mg foo") == b"HD"
    assert line(mcraw, "mg foo v") == b"VA 3"
    assert mcraw.data_block(3) == b"bar"
    assert line(mcraw, "mg missing v") == b"EN"
    assert line(mcraw, "mg missing") == b"EN"


def test_mg_return_flags_in_request_order(mcraw):
    mcraw.store("set", "foo", "bar", flags=123, exptime=100)
    cas = mcraw.value("foo").cas
    m = mcraw.meta("mg foo v c f t k s")
    assert m.code == b"VA" and m.data == b"bar"
    assert m.flags[:2] == [b"c%d" % cas, b"f123"]
    assert re.fullmatch(rb"t(99|100)", m.flags[2])
    assert m.flags[3:] == [b"kfoo", b"s3"]
    m = mcraw.meta("mg foo k s O123 v f c")
    assert m.flags == [b"kfoo", b"s3", b"O123", b"f123", b"c%d" % cas]
    assert m.data == b"bar"
    m = mcraw.meta("mg foo s")                # without v: HD and the flags
    assert (m.code, m.flags) == (b"HD", [b"s3"])


def test_mg_ttl_of_a_key_without_expiry_is_minus_one(mcraw):
    mcraw.store("set", "k", "v")
    assert line(mcraw, "mg k t v") == b"VA 1 t-1"
    assert mcraw.data_block(1) == b"v"


def test_mg_hit_and_last_access(mcraw):
    mcraw.store("set", "k", "v")
    # h: fetched before this request (0/1); l: seconds since the last access
    assert line(mcraw, "mg k h l") == b"HD h0 l0"
    assert line(mcraw, "mg k h l") == b"HD h1 l0"
    assert line(mcraw, "mg k l h") == b"HD l0 h1"


def test_mg_opaque_and_key_on_miss(mcraw):
    # a miss returns only the k and O flags
    assert line(mcraw, "mg missing k O77 v c f") == b"EN kmissing O77"
    assert line(mcraw, "mg missing O") == b"EN O"


def test_mg_touch_with_T(mcraw):
    mcraw.store("set", "k", "v", exptime=1000)
    assert line(mcraw, "mg k T30 t") == b"HD t30"
    assert re.fullmatch(rb"HD t(29|30)", line(mcraw, "mg k t"))
    assert line(mcraw, "mg k T0 t") == b"HD t-1"


def test_mg_quiet_mode_suppresses_miss_only(mcraw):
    mcraw.store("set", "foo", "bar")
    mcraw.send("mg missing v q\r\nmg missing q k O1\r\nmg foo q\r\nmg foo v q\r\nmn\r\n")
    assert mcraw.line() == b"HD"             # a hit is still answered
    assert mcraw.line() == b"VA 3"
    assert mcraw.data_block(3) == b"bar"
    assert mcraw.line() == b"MN"             # the two misses said nothing


def test_mn(mcraw):
    assert line(mcraw, "mn") == b"MN"
    mcraw.send("mg a q v\r\nmg b q v\r\nmn\r\nmn\r\n")
    assert [mcraw.line(), mcraw.line()] == [b"MN", b"MN"]


def test_mg_base64_key(mcraw):
    assert line(mcraw, "ms Zm9v 2 b", b"hi") == b"HD"
    assert mcraw.values("get foo")[b"foo"].data == b"hi"
    # a binary-key item answers k with its base64 key followed by the b flag
    assert line(mcraw, "mg Zm9v b k v") == b"VA 2 kZm9v b"
    assert mcraw.data_block(2) == b"hi"
    raw_key = bytes([0, 1, 2, 255, 32, 13, 10])
    enc = base64.b64encode(raw_key).decode()
    assert line(mcraw, f"ms {enc} 3 b", b"bin") == b"HD"
    assert line(mcraw, f"mg {enc} b v s") == b"VA 3 s3"
    assert mcraw.data_block(3) == b"bin"
    assert line(mcraw, "mg Y250 b k") == b"EN kY250 b"
    assert line(mcraw, "mg foo b v") == b"CLIENT_ERROR error decoding key"


def test_mg_errors(mcraw):
    mcraw.store("set", "foo", "bar")
    assert line(mcraw, "mg foo v v") == b"CLIENT_ERROR duplicate flag"
    assert line(mcraw, "mg foo x") == b"CLIENT_ERROR invalid flag"
    assert line(mcraw, "mg foo E55 v") == b"CLIENT_ERROR invalid flag"
    assert line(mcraw, "mg foo Tabc") == b"CLIENT_ERROR bad token in command line format"
    assert line(mcraw, "mg foo O" + "1" * 33) == b"CLIENT_ERROR opaque token too long"
    assert line(mcraw, "mg " + "k" * 251 + " v") == b"CLIENT_ERROR bad command line format"
    assert line(mcraw, "mg") == b"ERROR"
    assert line(mcraw, "mg foo v") == b"VA 3"          # the connection goes on
    assert mcraw.data_block(3) == b"bar"


# --- ms ----------------------------------------------------------------------------------

def test_ms_basic_and_flags(mcraw):
    assert line(mcraw, "ms k1 3", b"abc") == b"HD"
    m = mcraw.meta("ms k1 3 T100 F77 c", b"xyz")
    assert m.code == b"HD" and len(m.flags) == 1 and m.flags[0][:1] == b"c"
    cas = int(m.flags[0][1:])
    assert cas == mcraw.value("k1").cas                 # c returns the new item's CAS
    assert line(mcraw, "mg k1 v f t c") == b"VA 3 f77 t100 c%d" % cas
    assert mcraw.data_block(3) == b"xyz"
    v = mcraw.value("k1")
    assert (v.flags, v.data) == (77, b"xyz")
    assert line(mcraw, "ms k1 3 k O9 s", b"abc") == b"HD kk1 O9"      # s is ignored by ms
    assert line(mcraw, "ms k1 3 F4294967295", b"abc") == b"HD"
    assert mcraw.value("k1").flags == 4294967295


def test_ms_binary_data_and_empty_value(mcraw):
    value = b"a\r\nb\x00c\r\n"
    assert line(mcraw, "ms k %d" % len(value), value) == b"HD"
    assert mcraw.value("k").data == value
    assert line(mcraw, "ms e 0", b"") == b"HD"
    assert line(mcraw, "mg e v s") == b"VA 0 s0"
    assert mcraw.data_block(0) == b""


def test_ms_cas_compare(mcraw):
    assert line(mcraw, "ms nokey 3 C5", b"xyz") == b"NF"
    mcraw.store("set", "k", "old")
    cas = mcraw.value("k").cas
    assert line(mcraw, "ms k 3 C%d" % (cas + 1000), b"new") == b"EX"
    assert mcraw.value("k").data == b"old"
    assert line(mcraw, "ms k 3 C%d" % cas, b"new") == b"HD"
    assert mcraw.value("k").data == b"new"


def test_ms_quiet_mode_suppresses_hd_only(mcraw):
    mcraw.store("set", "k", "old")
    mcraw.send("ms k 3 q\r\nnew\r\nms k 3 C1 q\r\nbad\r\nms z 1 q MR\r\nx\r\nmn\r\n")
    assert mcraw.line() == b"EX"
    assert mcraw.line() == b"NS"
    assert mcraw.line() == b"MN"
    assert mcraw.value("k").data == b"new"


@pytest.mark.parametrize("mode,exists,want,value", [
    ("MS", False, b"HD", b"new"), ("MS", True, b"HD", b"new"),
    ("ME", False, b"HD", b"new"), ("ME", True, b"NS", b"old"),       # add
    ("MR", False, b"NS", None), ("MR", True, b"HD", b"new"),        # replace
    ("MA", False, b"NS", None), ("MA", True, b"HD", b"oldnew"),     # append
    ("MP", False, b"NS", None), ("MP", True, b"HD", b"newold"),     # prepend
])
def test_ms_modes(mcraw, mode, exists, want, value):
    if exists:
        mcraw.store("set", "k", "old", flags=5)
    assert line(mcraw, f"ms k 3 {mode}", b"new") == want
    v = mcraw.value("k")
    assert (v.data if v else None) == value
    if mode in ("MA", "MP") and exists:
        assert v.flags == 5


def test_ms_mode_errors(mcraw):
    # a bad flag or mode: one error line, the data block is swallowed
    assert line(mcraw, "ms k 3 MX", b"abc") == b"CLIENT_ERROR invalid mode for ms M token"
    assert line(mcraw, "ms k 3 x", b"abc") == b"CLIENT_ERROR invalid flag"
    assert line(mcraw, "ms k 3 T1 T2", b"abc") == b"CLIENT_ERROR duplicate flag"
    assert line(mcraw, "ms k 3 MS MS", b"abc") == b"CLIENT_ERROR duplicate flag"
    assert line(mcraw, "ms k 3 Tabc", b"abc") == b"CLIENT_ERROR bad token in command line format"
    assert line(mcraw, "ms !!!! 1 b", b"x") == b"CLIENT_ERROR error decoding key"
    assert line(mcraw, "mn") == b"MN"
    assert mcraw.value("k") is None


def test_ms_bad_command_lines(mcraw):
    assert line(mcraw, "ms k") == b"CLIENT_ERROR bad command line format"
    assert line(mcraw, "ms k -1") == b"CLIENT_ERROR bad command line format"
    # an unreadable length: the data line is then read as a command
    assert line(mcraw, "ms k abc", b"mn") == b"CLIENT_ERROR bad command line format"
    assert mcraw.line() == b"MN"
    assert line(mcraw, "ms k 3", b"abcd") == b"CLIENT_ERROR bad data chunk"
    assert mcraw.line() == b"ERROR"
    assert line(mcraw, "ms") == b"ERROR"
    assert mcraw.value("k") is None


def test_ms_too_large(mcraw):
    mcraw.store("set", "k", "old")
    assert line(mcraw, "ms k 2000000", b"x" * 2_000_000) == b"SERVER_ERROR object too large for cache"
    assert line(mcraw, "mn") == b"MN"
    assert mcraw.value("k") is None


def test_ms_invalidate_without_cas_is_a_plain_set(mcraw):
    mcraw.store("set", "k", "old")
    assert line(mcraw, "ms k 3 I", b"new") == b"HD"
    assert line(mcraw, "mg k v") == b"VA 3"
    assert mcraw.data_block(3) == b"new"


# --- md ----------------------------------------------------------------------------------

def test_md(mcraw):
    assert line(mcraw, "md k") == b"NF"
    mcraw.store("set", "k", "v")
    assert line(mcraw, "md k O5 k") == b"HD O5 kk"
    assert mcraw.value("k") is None
    mcraw.store("set", "k", "v")
    cas = mcraw.value("k").cas
    assert line(mcraw, "md k C%d" % (cas + 1000)) == b"EX"
    assert mcraw.value("k").data == b"v"
    assert line(mcraw, "md k C%d" % cas) == b"HD"
    assert mcraw.value("k") is None


def test_md_quiet_and_base64(mcraw):
    mcraw.store("set", "foo", "v")
    mcraw.store("set", "k", "v")
    # q hides HD; NF and EX are still sent
    mcraw.send("md foo q\r\nmd foo q\r\nmd k q C1\r\nmn\r\n")
    assert [mcraw.line() for _ in range(3)] == [b"NF", b"EX", b"MN"]
    assert mcraw.value("foo") is None
    assert line(mcraw, "md aw== b") == b"HD"          # base64 of "k"
    assert mcraw.value("k") is None


def test_md_errors(mcraw):
    assert line(mcraw, "md k x") == b"CLIENT_ERROR invalid or duplicate flag"
    assert line(mcraw, "md k k k") == b"CLIENT_ERROR invalid or duplicate flag"
    assert line(mcraw, "md") == b"ERROR"


# --- ma ----------------------------------------------------------------------------------

def test_ma_basic(mcraw):
    assert line(mcraw, "ma n") == b"NF"
    assert line(mcraw, "ma n J5 v") == b"NF"          # J without N does not create
    mcraw.store("set", "n", "10", flags=4)
    assert line(mcraw, "ma n") == b"HD"
    assert line(mcraw, "ma n v") == b"VA 2"
    assert mcraw.data_block(2) == b"12"
    assert line(mcraw, "ma n D10 v") == b"VA 2"
    assert mcraw.data_block(2) == b"22"
    v = mcraw.value("n")
    assert (v.flags, v.data) == (4, b"22")


def test_ma_modes(mcraw):
    mcraw.store("set", "n", "53")
    assert line(mcraw, "ma n MD D100 v") == b"VA 1"      # decrement floors at 0
    assert mcraw.data_block(1) == b"0"
    assert line(mcraw, "ma n MI D5 v") == b"VA 1"
    assert mcraw.data_block(1) == b"5"
    assert line(mcraw, "ma n M+ D5 v") == b"VA 2"
    assert mcraw.data_block(2) == b"10"
    assert line(mcraw, "ma n M- D1 v") == b"VA 1"
    assert mcraw.data_block(1) == b"9"
    assert line(mcraw, "ma n MX v") == b"CLIENT_ERROR invalid mode for ma M token"


def test_ma_autovivify(mcraw):
    assert line(mcraw, "ma n N0") == b"HD"               # created with J (default 0), no delta
    assert mcraw.value("n").data == b"0"
    m = mcraw.meta("ma n2 N100 J42 v t c")
    assert m.code == b"VA" and m.data == b"42"
    assert m.flags[0] == b"t100" and m.flags[1] == b"c%d" % mcraw.value("n2").cas
    assert line(mcraw, "ma n2 N100 J42 v") == b"VA 2"   # exists now: incremented
    assert mcraw.data_block(2) == b"43"


def test_ma_wraps_and_ttl(mcraw):
    assert line(mcraw, "ma n N0 J18446744073709551615 v") == b"VA 20"
    assert mcraw.data_block(20) == b"18446744073709551615"
    assert line(mcraw, "ma n v") == b"VA 1"
    assert mcraw.data_block(1) == b"0"
    assert line(mcraw, "ma n T99 t v") == b"VA 1 t99"
    assert mcraw.data_block(1) == b"1"


def test_ma_cas_quiet_opaque(mcraw):
    mcraw.store("set", "n", "10")
    assert line(mcraw, "ma n C1 v") == b"EX"
    cas = mcraw.value("n").cas
    assert line(mcraw, "ma n C%d k O1 v" % cas) == b"VA 2 kn O1"
    assert mcraw.data_block(2) == b"11"
    mcraw.send("ma n q\r\nma zz q\r\nmn\r\n")           # q hides HD, not NF
    assert [mcraw.line(), mcraw.line()] == [b"NF", b"MN"]
    assert mcraw.value("n").data == b"12"


def test_ma_errors(mcraw):
    mcraw.store("set", "s", "abc")
    assert line(mcraw, "ma s") == b"CLIENT_ERROR cannot increment or decrement non-numeric value"
    mcraw.store("set", "n", "1")
    for bad in ("D-1", "Dabc", "D18446744073709551616", "x", "v v", "N10 Jabc"):
        assert line(mcraw, f"ma n {bad}") == b"CLIENT_ERROR invalid or duplicate flag", bad
    assert line(mcraw, "ma") == b"ERROR"
    assert mcraw.value("n").data == b"1"


# --- me ----------------------------------------------------------------------------------

def test_me(mcraw):
    assert line(mcraw, "me missing") == b"EN"
    mcraw.store("set", "k", "v", exptime=100)
    ln = line(mcraw, "me k")
    assert ln.startswith(b"ME k ")
    fields = dict(f.split(b"=", 1) for f in ln.split(b" ")[2:])
    for name in (b"exp", b"la", b"cas", b"fetch", b"cls", b"size"):
        assert name in fields, (name, ln)
    # memcached 1.6.18 prints exp as (now - exptime), i.e. -100 here; only its form is checked
    assert re.fullmatch(rb"-?\d+", fields[b"exp"]) and fields[b"exp"] != b"-1"
    assert re.fullmatch(rb"\d+", fields[b"la"]) and re.fullmatch(rb"\d+", fields[b"size"])
    assert int(fields[b"cas"]) == mcraw.value("k").cas
    assert fields[b"fetch"] in (b"yes", b"no")
    mcraw.store("set", "p", "v")
    assert b" exp=-1 " in line(mcraw, "me p")
