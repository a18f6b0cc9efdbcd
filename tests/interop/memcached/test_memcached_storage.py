"""Classic storage and retrieval: get gets gat gats set add replace append prepend cas delete,
client flags, binary values, key length, item size, malformed data blocks.
Expected replies are memcached 1.6.18's."""
import pytest
from pymemcache.exceptions import MemcacheServerError


# --- get / gets ------------------------------------------------------------------------

def test_set_get_with_pymemcache(mc):
    assert mc.set("greeting", b"hello world") is True
    assert mc.get("greeting") == b"hello world"
    assert mc.get("missing") is None
    assert mc.get_many(["greeting", "missing", "other"]) == {"greeting": b"hello world"}


def test_get_multi_key_exact_lines(mcraw):
    assert mcraw.store("set", "a", "1", flags=5) == b"STORED"
    assert mcraw.store("set", "c", "333") == b"STORED"
    mcraw.send_line("get a b c")
    # hits in request order, misses left out, then END
    assert mcraw.line() == b"VALUE a 5 1"
    assert mcraw.line() == b"1"
    assert mcraw.line() == b"VALUE c 0 3"
    assert mcraw.line() == b"333"
    assert mcraw.line() == b"END"
    assert mcraw.call("get nothing here") == b"END"


def test_get_same_key_twice_returns_it_twice(mcraw):
    mcraw.store("set", "k", "v")
    mcraw.send_line("get k k")
    lines = [mcraw.line() for _ in range(5)]
    assert lines == [b"VALUE k 0 1", b"v", b"VALUE k 0 1", b"v", b"END"]


def test_get_without_key_is_error(mcraw):
    assert mcraw.call("get") == b"ERROR"
    assert mcraw.call("gets") == b"ERROR"


def test_gets_cas_is_unique_and_changes_on_write(mc, mcraw):
    mc.set("a", b"1")
    mc.set("b", b"2")
    va, vb = mcraw.value("a"), mcraw.value("b")
    assert va.cas > 0 and vb.cas > 0 and va.cas != vb.cas
    assert mcraw.value("a").cas == va.cas              # reading does not change it
    mc.set("a", b"1")                                   # same bytes, still a write
    assert mcraw.value("a").cas != va.cas
    got = mc.gets_many(["a", "b", "zz"])
    assert set(got) == {"a", "b"}
    assert got["b"] == (b"2", str(vb.cas).encode())    # pymemcache keeps the token as bytes


def test_gat_and_gats_return_value_and_set_ttl(mcraw):
    mcraw.store("set", "k", "abc", flags=9)
    mcraw.send_line("gat 100 k missing")
    assert mcraw.line() == b"VALUE k 9 3"
    assert mcraw.line() == b"abc"
    assert mcraw.line() == b"END"
    ttl = int(mcraw.meta("mg k t").flag("t"))
    assert 98 <= ttl <= 100
    cas = mcraw.value("k").cas
    got = mcraw.values("gats 0 k")                     # 0: no expiry any more
    assert got[b"k"] == (b"k", 9, b"abc", got[b"k"].cas) and got[b"k"].cas >= cas
    assert mcraw.meta("mg k t").flag("t") == b"-1"
    assert mcraw.call("gat 10 missing") == b"END"


def test_gat_errors(mcraw):
    assert mcraw.call("gat") == b"ERROR"
    assert mcraw.call("gat k") == b"CLIENT_ERROR invalid exptime argument"   # key taken as exptime
    assert mcraw.call("gat abc k") == b"CLIENT_ERROR invalid exptime argument"
    assert mcraw.call("gat 10") == b"END"                # an exptime and no key: nothing found


# --- set / add / replace / append / prepend ----------------------------------------------

def test_add(mcraw):
    assert mcraw.store("add", "k", "first") == b"STORED"
    assert mcraw.store("add", "k", "second") == b"NOT_STORED"
    assert mcraw.value("k").data == b"first"


def test_add_replace_with_pymemcache(mc):
    assert mc.add("k", b"1") is True
    assert mc.add("k", b"2") is False
    assert mc.replace("k", b"3") is True
    assert mc.replace("nope", b"3") is False
    assert mc.get("k") == b"3"
    assert mc.get("nope") is None


def test_replace(mcraw):
    assert mcraw.store("replace", "k", "x") == b"NOT_STORED"
    assert mcraw.value("k") is None
    mcraw.store("set", "k", "old", flags=1)
    assert mcraw.store("replace", "k", "new", flags=2) == b"STORED"
    v = mcraw.value("k")
    assert (v.flags, v.data) == (2, b"new")


def test_append_prepend_keep_flags_and_ignore_new_ones(mcraw):
    assert mcraw.store("append", "k", "x") == b"NOT_STORED"
    assert mcraw.store("prepend", "k", "x") == b"NOT_STORED"
    assert mcraw.value("k") is None
    mcraw.store("set", "k", "mid", flags=7, exptime=100)
    assert mcraw.store("append", "k", "-end", flags=99) == b"STORED"
    assert mcraw.store("prepend", "k", "start-", flags=99, exptime=5) == b"STORED"
    v = mcraw.value("k")
    assert (v.flags, v.data) == (7, b"start-mid-end")
    assert int(mcraw.meta("mg k t").flag("t")) > 90    # exptime of append/prepend is ignored


def test_append_prepend_with_pymemcache(mc):
    mc.set("k", b"b")
    assert mc.append("k", b"c") is True
    assert mc.prepend("k", b"a") is True
    assert mc.get("k") == b"abc"
    assert mc.append("missing", b"x") is False


# --- cas ---------------------------------------------------------------------------------

def test_cas_exact_replies(mcraw):
    assert mcraw.store("cas", "k", "x", cas=5) == b"NOT_FOUND"
    mcraw.store("set", "k", "v1")
    cas = mcraw.value("k").cas
    assert mcraw.store("cas", "k", "v2", cas=cas + 1000) == b"EXISTS"
    assert mcraw.value("k").data == b"v1"
    assert mcraw.store("cas", "k", "v2", flags=3, cas=cas) == b"STORED"
    v = mcraw.value("k")
    assert (v.flags, v.data) == (3, b"v2") and v.cas != cas
    assert mcraw.store("cas", "k", "v3", cas=cas) == b"EXISTS"      # the old token is spent


def test_cas_with_pymemcache(mc):
    assert mc.cas("k", b"x", 1) is None                   # NOT_FOUND
    mc.set("k", b"1")
    value, token = mc.gets("k")
    assert value == b"1"
    assert mc.cas("k", b"2", token) is True
    assert mc.cas("k", b"3", token) is False              # EXISTS
    assert mc.get("k") == b"2"


def test_cas_after_delete_is_not_found(mcraw):
    mcraw.store("set", "k", "v")
    cas = mcraw.value("k").cas
    assert mcraw.call("delete k") == b"DELETED"
    assert mcraw.store("cas", "k", "w", cas=cas) == b"NOT_FOUND"


def test_cas_bad_token(mcraw):
    assert mcraw.call("cas k 0 0 1 abc", b"z") == b"CLIENT_ERROR bad command line format"
    assert mcraw.line() == b"ERROR"        # the data line is then read as a command
    assert mcraw.value("k") is None


# --- delete ------------------------------------------------------------------------------

def test_delete(mcraw, mc):
    mcraw.store("set", "k", "v")
    assert mcraw.call("delete k") == b"DELETED"
    assert mcraw.call("delete k") == b"NOT_FOUND"
    assert mcraw.value("k") is None
    assert mcraw.call("delete k 0") == b"NOT_FOUND"       # a legacy time of 0 is accepted
    assert mcraw.call("delete k 5") == \
        b"CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"
    assert mcraw.call("delete") == b"ERROR"
    mc.set("p", b"1")
    assert mc.delete("p") is True
    assert mc.delete("p") is False


def test_delete_many_with_pymemcache(mc):
    mc.set_many({"a": b"1", "b": b"2", "c": b"3"})
    assert mc.delete_many(["a", "b", "zz"]) is True
    assert mc.get_many(["a", "b", "c"]) == {"c": b"3"}


# --- flags, binary values ----------------------------------------------------------------

@pytest.mark.parametrize("flags", [0, 1, 255, 65535, 65536, 2**31, 4294967295])
def test_client_flags_round_trip(mcraw, flags):
    assert mcraw.store("set", "f", "v", flags=flags) == b"STORED"
    assert mcraw.value("f").flags == flags
    assert mcraw.meta("mg f f").flag("f") == str(flags).encode()


def test_flags_with_pymemcache(mc, mcraw):
    assert mc.set("f", b"v", flags=4294967295) is True
    assert mcraw.value("f").flags == 4294967295


def test_binary_safe_values(mcraw, mc):
    value = bytes(range(256)) + b"\r\nEND\r\nVALUE x 0 1\r\n\r\n" + b"\x00" * 10
    assert mcraw.store("set", "bin", value) == b"STORED"
    assert mcraw.value("bin").data == value
    assert mc.get("bin") == value
    assert mcraw.store("set", "crlf", b"\r\n") == b"STORED"
    assert mcraw.values("get crlf")[b"crlf"].data == b"\r\n"


def test_empty_value(mcraw):
    assert mcraw.store("set", "e", b"") == b"STORED"
    mcraw.send_line("get e")
    assert [mcraw.line() for _ in range(3)] == [b"VALUE e 0 0", b"", b"END"]


# --- keys --------------------------------------------------------------------------------

def test_key_of_250_bytes(mcraw):
    key = "k" * 250
    assert mcraw.store("set", key, "v") == b"STORED"
    assert mcraw.values("get " + key)[key.encode()].data == b"v"
    assert mcraw.call("delete " + key) == b"DELETED"


def test_key_of_251_bytes_is_refused(mcraw):
    key = "k" * 251
    for line in (f"get {key}", f"gets {key}", f"get a {key}", f"delete {key}",
                 f"incr {key} 1", f"touch {key} 1", f"mg {key} v"):
        assert mcraw.call(line) == b"CLIENT_ERROR bad command line format", line[:10]
    # a storage command with such a key is refused before its data block, which is then read as
    # a command line (here `version`)
    assert mcraw.call(f"set {key} 0 0 7", b"version") == b"CLIENT_ERROR bad command line format"
    assert mcraw.line().startswith(b"VERSION ")
    assert mcraw.call("version").startswith(b"VERSION ")


# --- item size ---------------------------------------------------------------------------

def test_value_under_the_limit_is_stored(mcraw):
    value = b"y" * 500_000
    assert mcraw.store("set", "mid", value) == b"STORED"
    assert mcraw.value("mid").data == value


def test_value_over_the_limit_is_refused_and_old_value_dropped(mcraw):
    assert mcraw.stats("settings")["item_size_max"] == "1048576"
    mcraw.store("set", "big", "old")
    assert mcraw.store("set", "big", b"x" * 2_000_000) == b"SERVER_ERROR object too large for cache"
    assert mcraw.value("big") is None                      # the old value is gone
    assert mcraw.call("version").startswith(b"VERSION ")   # the data block was consumed
    # (sizes near 1 MB are left out: memcached counts its item header against the limit)


def test_value_over_the_limit_with_pymemcache(mc):
    mc.set("big", b"old")
    with pytest.raises(MemcacheServerError, match="object too large for cache"):
        mc.set("big", b"x" * 2_000_000)
    assert mc.get("big") is None


# --- malformed storage commands ----------------------------------------------------------

def test_bad_data_chunk(mcraw):
    mcraw.store("set", "k", "old")
    # 3 bytes announced, 4 sent: memcached reads 3 + 2 bytes ("abcd\r"), rejects the block, and
    # the remaining "\n" is read as an (empty) command line
    assert mcraw.call("set k 0 0 3", b"abcd") == b"CLIENT_ERROR bad data chunk"
    assert mcraw.line() == b"ERROR"
    assert mcraw.call("version").startswith(b"VERSION ")
    assert mcraw.value("k").data == b"old"


@pytest.mark.parametrize("line", ["set k 0 0 -1", "set k 0 0 abc", "set k abc 0 1", "set k -1 0 1"])
def test_bad_storage_command_line(mcraw, line):
    mcraw.send_line(line)
    assert mcraw.line() == b"CLIENT_ERROR bad command line format"
    assert mcraw.call("version").startswith(b"VERSION ")


def test_storage_command_missing_arguments(mcraw):
    assert mcraw.call("set k 0 0") == b"ERROR"
    assert mcraw.call("set") == b"ERROR"


def test_bad_exptime_then_data_is_read_as_command(mcraw):
    assert mcraw.call("set k 0 abc 1", b"version") == b"CLIENT_ERROR bad command line format"
    assert mcraw.line().startswith(b"VERSION ")
    assert mcraw.value("k") is None
