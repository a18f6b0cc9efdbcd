"""Meta leases: vivify on miss (mg N -> W, then Z), recache (mg R), invalidation (md I ->
X W, then Z X; ms I), as memcached 1.6.18 does them. The win/stale flags W Z X come after the
requested return flags; on a stale item the order is X W for the winner and Z X afterwards.
CAS numbers differ between servers, so lines with c are built from the CAS read back."""
import re


def cas_of(c, key):
    v = c.value(key)
    assert v is not None, key
    return v.cas


def test_mg_vivify_first_wins_then_z(mcraw):
    line = mcraw.call("mg lk N30 v c t s f")
    assert mcraw.data_block(0) == b""
    cas = cas_of(mcraw, "lk")
    assert line == b"VA 0 c%d t30 s0 f0 W" % cas
    # later fetchers see the placeholder with Z (a win token was already handed out)
    line = mcraw.call("mg lk N30 v c t")
    assert re.fullmatch(rb"VA 0 c%d t(29|30) Z" % cas, line), line
    assert mcraw.data_block(0) == b""
    assert mcraw.call("mg lk c") == b"HD c%d Z" % cas      # Z also without N
    assert mcraw.call("mg lk v") == b"VA 0 Z"
    assert mcraw.data_block(0) == b""


def test_mg_vivify_without_value(mcraw):
    assert mcraw.call("mg a N30") == b"HD W"
    assert mcraw.call("mg a N30") == b"HD Z"
    # the placeholder is an empty item to the classic commands
    assert mcraw.values("get a")[b"a"].data == b""


def test_mg_vivify_in_quiet_mode_still_answers(mcraw):
    mcraw.send("mg b N30 q\r\nmn\r\nmg b N30 q\r\nmn\r\n")
    assert [mcraw.line() for _ in range(4)] == [b"HD W", b"MN", b"HD Z", b"MN"]


def test_set_after_win_clears_the_lease(mcraw):
    assert mcraw.call("mg lk N30 v") == b"VA 0 W"
    assert mcraw.data_block(0) == b""
    assert mcraw.call("ms lk 3 T60", b"new") == b"HD"
    line = mcraw.call("mg lk v t")
    assert re.fullmatch(rb"VA 3 t(59|60)", line), line     # no W, Z or X any more
    assert mcraw.data_block(3) == b"new"
    assert mcraw.call("mg lk N30 v") == b"VA 3"
    assert mcraw.data_block(3) == b"new"


def test_vivify_ttl_is_the_N_token(mcraw):
    assert mcraw.call("mg lk N77 t") == b"HD t77 W"
    assert mcraw.meta("mg lk t").flags[0] in (b"t76", b"t77")


def test_md_invalidate_marks_stale(mcraw):
    mcraw.store("set", "lk", "old", exptime=1000)
    before = cas_of(mcraw, "lk")
    assert mcraw.call("md lk I T30") == b"HD"
    cas = cas_of(mcraw, "lk")
    # the stale item is still served, with X (stale) and W (this client should recache) ...
    line = mcraw.call("mg lk v c t")
    assert re.fullmatch(rb"VA 3 c%d t(29|30) X W" % cas, line), line
    assert mcraw.data_block(3) == b"old"
    # ... then to everyone else with Z X
    line = mcraw.call("mg lk v c t")
    assert re.fullmatch(rb"VA 3 c%d t(29|30) Z X" % cas, line), line
    assert mcraw.data_block(3) == b"old"
    assert mcraw.call("mg lk v") == b"VA 3 Z X"
    assert mcraw.data_block(3) == b"old"
    assert cas != before                                    # invalidation is a write


def test_set_after_invalidate_makes_it_fresh(mcraw):
    mcraw.store("set", "lk", "old")
    assert mcraw.call("md lk I") == b"HD"
    assert mcraw.call("ms lk 5", b"fresh") == b"HD"
    assert mcraw.call("mg lk v") == b"VA 5"
    assert mcraw.data_block(5) == b"fresh"


def test_md_invalidate_quiet_and_missing(mcraw):
    assert mcraw.call("md nope I") == b"NF"
    mcraw.store("set", "d", "x")
    mcraw.send("md d I q\r\nmn\r\n")
    assert mcraw.line() == b"MN"
    assert mcraw.call("mg d v") == b"VA 1 X W"
    assert mcraw.data_block(1) == b"x"


def test_stale_item_with_vivify_flag(mcraw):
    mcraw.store("set", "lk", "fresh")
    assert mcraw.call("md lk I") == b"HD"
    # N does not matter for an item that exists: the stale rules apply
    assert mcraw.call("mg lk N30 v") == b"VA 5 X W"
    assert mcraw.data_block(5) == b"fresh"


def test_ms_cas_on_a_stale_item(mcraw):
    mcraw.store("set", "c", "old")
    assert mcraw.call("md c I") == b"HD"
    cas = cas_of(mcraw, "c")
    assert mcraw.call("mg c c") == b"HD c%d X W" % cas
    # a plain compare with an older CAS fails ...
    assert mcraw.call("ms c 3 C1", b"new") == b"EX"
    # ... with I, an older CAS is accepted and the new item stays stale
    assert mcraw.call("ms c 3 I C1", b"new") == b"HD"
    cas2 = cas_of(mcraw, "c")
    assert mcraw.call("mg c v c") == b"VA 3 c%d Z X" % cas2
    assert mcraw.data_block(3) == b"new"
    # a CAS newer than the item's is still EX
    assert mcraw.call("ms c 3 I C%d" % (cas2 + 100000), b"bad") == b"EX"
    assert mcraw.value("c").data == b"new"


def test_mg_recache(mcraw):
    mcraw.store("set", "r", "x", exptime=10)
    # R30: the remaining TTL (10) is below 30, so this fetcher wins the right to recache
    line = mcraw.call("mg r R30 v t")
    assert re.fullmatch(rb"VA 1 t(9|10) W", line), line
    assert mcraw.data_block(1) == b"x"
    line = mcraw.call("mg r R30 v t")
    assert re.fullmatch(rb"VA 1 t(9|10) Z", line), line
    assert mcraw.data_block(1) == b"x"
    mcraw.store("set", "long", "x", exptime=1000)
    assert mcraw.call("mg long R30 v") == b"VA 1"           # plenty of TTL left: no token
    assert mcraw.data_block(1) == b"x"
