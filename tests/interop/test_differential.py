"""Random command sequences sent to Purple and to a real redis-server side by side, every reply compared.

The other suites pin the replies someone thought of; this one looks for the ones nobody did. A seeded
generator draws commands from the RESP commands Purple serves, over a handful of keys shared between
strings, counters and sets (so wrong-type paths, overwrites and type changes come up all the time), with
arguments that are often wrong: missing or extra, not integers, out of range, unknown options, clashing
options. Each command goes to both servers on connections in the same protocol (RESP2, or RESP3 after
HELLO 3); their replies must match exactly, wire type and error text included.

What the comparison allows, and why:
- Replies whose order Redis leaves unspecified (SMEMBERS, SINTER/SUNION/SDIFF, KEYS, SPOP and
  SRANDMEMBER with a count that takes every member) are compared as sorted lists or as sets.
- Times (TTL, PTTL, EXPIRETIME, PEXPIRETIME) may differ by the time between the two calls: at most
  2 s / 2,000 ms.
- Redis 7.0 stores a key given a time already past (SET ... PXAT, GETEX PXAT) and counts it in DBSIZE
  until something looks the key up, though no read sees it; Purple stores nothing. So after such a
  command the test looks those keys up on Redis, on a connection of its own.
- Every TTL the generator sets is at least 1,000 s, so nothing expires during a run, and timestamps in
  the past (EXPIREAT, SET PXAT) are far in the past.

The reference server is Debian's redis-server (7.0), started here on a free 127.0.0.1 port. On a
mismatch the failure shows the seed, the step, both replies and the commands before it, enough to
replay the sequence by hand with redis-cli.
"""
import os
import random
import shutil
import time

import pytest

from conftest import HOST, PORT, TARGET
from resp_client import Push, RespClient, RespError, SimpleString, Verbatim
from secured_server import RedisServer

pytestmark = pytest.mark.skipif(TARGET == "redis", reason="the reference here is redis-server itself")

STEPS = int(os.environ.get("DIFF_STEPS", "3000"))
HISTORY_SHOWN = int(os.environ.get("DIFF_HISTORY", "25"))  # commands shown before a mismatch
# One hash tag for every key: the protocol suites also run on Purple over a Redis Cluster, where the keys of a
# multi-key command must share a slot.
KEYS = ["{d}k%d" % i for i in range(6)]
MEMBERS = ["m%d" % i for i in range(6)] + ["", "1", "-1"]
VALUES = ["", "0", "1", "-1", "7", "10", "+1", " 1", "01", "1.5", "abc", "9223372036854775807",
          "-9223372036854775808", "9223372036854775806", "99999999999999999999", "0x10", "\x00\xff", "x" * 200]
INTEGERS = ["0", "1", "-1", "5", "-5", "100", "9223372036854775807", "-9223372036854775808", "1.5", "abc", "", "1e3",
            "99999999999999999999", "+3", " 2"]
FAR_PAST_SECONDS = 1_000_000_000  # 2001
FAR_PAST_MS = FAR_PAST_SECONDS * 1000


@pytest.fixture(scope="module")
def reference_port():
    assert shutil.which("redis-server"), "redis-server is not installed (./test.sh installs Debian's redis-server)"
    server = RedisServer()
    yield server.port
    server.close()


class Generator:
    """Draws one command at a time; `unordered` says how to compare its reply."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.in_multi = False
        self.in_batch = False
        self.in_multi_after = False

    def key(self):
        return self.rng.choice(KEYS)

    def keys(self, low=1, high=4):
        return [self.key() for _ in range(self.rng.randint(low, high))]

    def value(self):
        return self.rng.choice(VALUES)

    def integer(self):
        return self.rng.choice(INTEGERS)

    def members(self, low=1, high=4):
        return [self.rng.choice(MEMBERS) for _ in range(self.rng.randint(low, high))]

    def ttl_seconds(self):
        # Mostly valid (long enough never to expire here), sometimes zero, negative, huge or not a number.
        return self.rng.choice(["1000", "5000", "86400", "0", "-1", "abc", "9223372036854775807", "1.5"])

    def ttl_ms(self):
        return self.rng.choice(["1000000", "5000000", "0", "-5", "x", "9223372036854775807"])

    def future_seconds(self):
        # Never near a relative time above (1,000, 5,000 or 86,400 s from now), so which of two is later does not
        # depend on when each server read its clock.
        return str(int(time.time()) + self.rng.choice([3000, 50000]))

    def expire_option(self, relative):
        # GT and LT only with absolute times: the same relative time given twice is later the second time only if
        # the server's clock moved in between, which two servers need not agree on.
        if relative:
            return self.rng.choice([[], [], ["NX"], ["XX"], ["NX", "XX"], ["GT", "LT"], ["BOGUS"]])
        return self.rng.choice([[], [], ["NX"], ["XX"], ["GT"], ["LT"], ["NX", "XX"], ["GT", "LT"], ["BOGUS"]])

    def set_options(self):
        r = self.rng
        opts = []
        choice = r.random()
        if choice < 0.15:
            opts += ["EX", self.ttl_seconds()]
        elif choice < 0.25:
            opts += ["PX", self.ttl_ms()]
        elif choice < 0.30:
            opts += ["EXAT", r.choice([self.future_seconds(), self.past(str(FAR_PAST_SECONDS)), "0", "-3"])]
        elif choice < 0.35:
            opts += ["PXAT", r.choice([self.future_seconds() + "000", self.past(str(FAR_PAST_MS), ms=True)])]
        elif choice < 0.45:
            opts += ["KEEPTTL"]
        if r.random() < 0.25:
            opts.append(r.choice(["NX", "XX"]))
        if r.random() < 0.15:
            opts.append("GET")
        if r.random() < 0.04:
            opts.append(r.choice(["EX", "BOGUS", "NX", "PX"]))  # a clash, a dangling option or an unknown one
        if r.random() < 0.1:
            r.shuffle(opts)
        return opts

    def past(self, timestamp, ms=False):
        """A time already past for SET, except inside MULTI or a batch: there the test cannot make Redis drop the key
        it stores (see the module's docstring) before a DBSIZE in the same transaction or batch counts it."""
        if not (self.in_multi or self.in_batch):
            return timestamp
        return self.future_seconds() + ("000" if ms else "")

    def batch(self, in_multi, most):
        """One command, or (one time in ten) up to eight sent in one write: [(args, compare, connection)]. A SCAN
        iteration or a command of the other client ends a batch, so the pipelined part is all on the main connection.
        Sets in_multi_after: whether the main connection is inside MULTI after the batch, which a MULTI or an
        EXEC/DISCARD with nothing else on its line alone change (a wrong arity leaves the state as it was)."""
        size = self.rng.randint(2, 8) if self.rng.random() < 0.1 else 1
        self.in_batch = size > 1
        batch = []
        while len(batch) < min(size, most):
            args, compare, connection = self.command(in_multi)
            batch.append((args, compare, connection))
            if connection != "main" or compare == "scan":
                break
            if args == ["MULTI"]:
                in_multi = True
            elif args in (["EXEC"], ["DISCARD"]):
                in_multi = False
        self.in_multi_after = in_multi
        return batch

    def command(self, in_multi=False):
        """(args, compare, connection): compare is None (exact), 'sorted', 'length', 'scan' or a TIME_SLACK key;
        connection is 'main' or 'other' (a second client of each server, on database 0, that only writes)."""
        r = self.rng
        self.in_multi = in_multi
        k = self.key()
        pick = r.random()
        if in_multi and pick < 0.15:
            return (["EXEC"] if r.random() < 0.8 else ["DISCARD"]), "exec", "main"
        if pick < 0.03:
            return self.transaction_command(), None, "main"
        if pick < 0.06:
            return self.other_write(k), None, "other"
        if pick < 0.08 and not in_multi:
            return self.scan_command(k), "scan", "main"
        if pick < 0.40:
            args, compare = self.string_command(k), None
        elif pick < 0.54:
            args, compare = self.counter_command(k), None
        elif pick < 0.78:
            args, compare = self.set_command(k)
        elif pick < 0.97:
            args, compare = self.key_command(k)
        else:
            args, compare = self.server_command(), None
        if r.random() < 0.02 and args[0] not in ("SPOP", "SRANDMEMBER"):
            # An argument missing or one too many: arity errors, or another reading of the arguments. (Not for SPOP
            # and SRANDMEMBER: without their count they answer with a random member.)
            args = args[:-1] if len(args) > 1 and r.random() < 0.5 else args + ["{d}extra"]
        return args, compare, "main"

    def transaction_command(self):
        r = self.rng
        return r.choice([["MULTI"], ["MULTI"], ["MULTI"], ["WATCH"] + self.keys(1, 2), ["WATCH"] + self.keys(1, 2),
                         ["UNWATCH"], ["EXEC"], ["DISCARD"], ["WATCH"]])

    def other_write(self, k):
        r = self.rng
        return r.choice([["SET", k, self.value()], ["SADD", k] + self.members(), ["DEL", k], ["INCR", k],
                         ["EXPIRE", k, "5000"], ["PERSIST", k], ["GET", k]])

    def scan_command(self, k):
        """A whole iteration, from cursor 0 until the server returns 0 (run_sequence does the looping)."""
        r = self.rng
        opts = []
        if r.random() < 0.4:
            opts += ["MATCH", r.choice(["*", "{d}k[0-3]", "{d}k?", "m*", "nomatch*", "*1"])]
        if r.random() < 0.5:
            opts += ["COUNT", r.choice(["1", "2", "10", "1000", "0", "-1", "abc"])]
        if r.random() < 0.03:
            opts += [r.choice(["MATCH", "COUNT", "BOGUS"])]
        if r.random() < 0.5:
            return ["SSCAN", k, "0"] + opts
        if r.random() < 0.4:
            opts += ["TYPE", r.choice(["string", "set", "hash", "STRING"])]
        return ["SCAN", "0"] + opts

    def string_command(self, k):
        r = self.rng
        name = r.choice(["SET", "SET", "SET", "GET", "GET", "GETSET", "GETDEL", "GETEX", "SETNX", "SETEX", "PSETEX",
                         "APPEND", "STRLEN", "MSET", "MSETNX", "MGET"])
        if name == "SET":
            return ["SET", k, self.value()] + self.set_options()
        if name in ("GET", "GETDEL", "STRLEN"):
            return [name, k] + (["{d}extra"] if r.random() < 0.03 else [])
        if name == "GETSET":
            return ["GETSET", k, self.value()]
        if name == "GETEX":
            opt = r.choice([[], ["PERSIST"], ["EX", self.ttl_seconds()], ["PX", self.ttl_ms()],
                            ["EXAT", self.future_seconds()], ["PXAT", str(FAR_PAST_MS)], ["EX"], ["PERSIST", "EX", "1000"]])
            return ["GETEX", k] + opt
        if name == "SETNX":
            return ["SETNX", k, self.value()]
        if name == "SETEX":
            return ["SETEX", k, self.ttl_seconds(), self.value()]
        if name == "PSETEX":
            return ["PSETEX", k, self.ttl_ms(), self.value()]
        if name == "APPEND":
            return ["APPEND", k, self.value()]
        if name in ("MSET", "MSETNX"):
            args = [name]
            for _ in range(r.randint(1, 3)):
                args += [self.key(), self.value()]
            if r.random() < 0.05:
                args.pop()  # an odd number of arguments
            return args
        return ["MGET"] + self.keys(1, 5)

    def counter_command(self, k):
        r = self.rng
        name = r.choice(["INCR", "DECR", "INCRBY", "DECRBY", "INCRBY"])
        if name in ("INCR", "DECR"):
            return [name, k]
        return [name, k, self.integer()] + (["2"] if r.random() < 0.03 else [])

    def set_command(self, k):
        r = self.rng
        name = r.choice(["SADD", "SADD", "SADD", "SREM", "SISMEMBER", "SMISMEMBER", "SCARD", "SMEMBERS", "SINTER",
                         "SUNION", "SDIFF", "SPOP", "SRANDMEMBER"])
        if name in ("SADD", "SREM"):
            return [name, k] + self.members(0 if r.random() < 0.03 else 1, 4), None
        if name == "SISMEMBER":
            return [name, k, r.choice(MEMBERS)], None
        if name == "SMISMEMBER":
            return [name, k] + self.members(0 if r.random() < 0.03 else 1, 4), None
        if name == "SCARD":
            return [name, k], None
        if name == "SMEMBERS":
            return [name, k], "sorted"
        if name in ("SINTER", "SUNION", "SDIFF"):
            return [name] + self.keys(0 if r.random() < 0.03 else 1, 3), "sorted"
        if name == "SPOP":
            # Only counts that take every member (or none): which members a smaller count takes is random.
            count = r.choice([None, "100", "0", "-1", "abc"])
            if count is None:
                return ["SCARD", k], None
            return ["SPOP", k, count], "sorted"
        count = r.choice(["100", "0", "-1", "abc", None])
        if count is None:
            return ["SRANDMEMBER", "{d}none"], None
        if count == "-1":
            return ["SRANDMEMBER", k, "-1"], "length"
        return ["SRANDMEMBER", k, count], "sorted"

    def key_command(self, k):
        r = self.rng
        name = r.choice(["DEL", "UNLINK", "EXISTS", "TYPE", "RENAME", "RENAMENX", "EXPIRE", "PEXPIRE", "EXPIREAT",
                         "PEXPIREAT", "TTL", "PTTL", "PERSIST", "EXPIRETIME", "PEXPIRETIME", "KEYS", "DBSIZE",
                         "EXPIRE", "TTL"])
        if name in ("DEL", "UNLINK", "EXISTS"):
            return [name] + self.keys(0 if r.random() < 0.03 else 1, 4), None
        if name in ("TYPE", "PERSIST"):
            return [name, k], None
        if name in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
            return [name, k], name.lower()
        if name in ("RENAME", "RENAMENX"):
            return [name, k, self.key()], None
        if name == "EXPIRE":
            return ["EXPIRE", k, self.ttl_seconds()] + self.expire_option(True), None
        if name == "PEXPIRE":
            return ["PEXPIRE", k, self.ttl_ms()] + self.expire_option(True), None
        if name == "EXPIREAT":
            return ["EXPIREAT", k, r.choice([self.future_seconds(), str(FAR_PAST_SECONDS), "x"])] + self.expire_option(False), None
        if name == "PEXPIREAT":
            return ["PEXPIREAT", k, r.choice([self.future_seconds() + "000", str(FAR_PAST_MS)])] + self.expire_option(False), None
        if name == "KEYS":
            return ["KEYS", r.choice(["*", "{d}k[0-2]", "{d}k?", "nomatch*"])], "sorted"
        return ["DBSIZE"], None

    def server_command(self):
        r = self.rng
        return r.choice([["SELECT", "1"], ["SELECT", "0"], ["SELECT", "0"], ["SELECT", "99"], ["SELECT", "x"],
                         ["ECHO", self.value()], ["PING"], ["EXISTS", "{d}k0", "{d}k0"], ["FLUSHDB"]]) \
            if r.random() < 0.9 else ["NOSUCHCOMMAND", "a"]


def shape(v):
    """The reply with its wire type kept: a bulk "OK" and a simple +OK differ."""
    if isinstance(v, RespError):
        return ("error", v.message)
    if isinstance(v, SimpleString):
        return ("simple", str(v))
    if isinstance(v, Verbatim):
        return ("verbatim", v.format, str(v))
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, float):
        return ("double", v)
    if isinstance(v, (str, bytes)):
        return ("bulk", v)
    if v is None:
        return ("null",)
    if isinstance(v, Push):
        return ("push", [shape(x) for x in v])
    if isinstance(v, list):
        return ("array", [shape(x) for x in v])
    if isinstance(v, (set, frozenset)):
        return ("set", frozenset(v))
    if isinstance(v, dict):
        return ("map", tuple(sorted((repr(k), repr(shape(x))) for k, x in v.items())))
    return ("other", repr(v))


# Times a key was given relative to now (EXPIRE 1000) differ by the time between the two servers' calls.
TIME_SLACK = {"ttl": 2, "pttl": 2000, "expiretime": 2, "pexpiretime": 2000}


def same(purple, redis_reply, compare):
    if compare == "sorted" and isinstance(purple, list) and isinstance(redis_reply, list) \
            and not isinstance(purple, Push) and not isinstance(redis_reply, Push):
        return shape(sorted(purple, key=repr)) == shape(sorted(redis_reply, key=repr))
    if compare == "length" and isinstance(purple, list) and isinstance(redis_reply, list):
        return len(purple) == len(redis_reply)
    if compare in TIME_SLACK and isinstance(purple, int) and isinstance(redis_reply, int) \
            and purple >= 0 and redis_reply >= 0:
        return abs(purple - redis_reply) <= TIME_SLACK[compare]
    return shape(purple) == shape(redis_reply)


def connect(port, protocol):
    c = RespClient(HOST if port == PORT else "127.0.0.1", port, timeout=30)
    if protocol == 3:
        c.call("HELLO", "3")
    return c


def scan_all(client, args):
    """Runs SCAN or SSCAN from cursor 0 to the end: the error reply, or every element returned, sorted."""
    cursor_at = 1 if args[0] == "SCAN" else 2
    seen = set()
    args = list(args)
    for _ in range(10_000):
        reply = client.pipeline([args])[0]
        if not isinstance(reply, list):
            return reply
        cursor, items = reply
        seen.update(items)
        if cursor == "0":
            return sorted(seen)
        args[cursor_at] = cursor
    raise AssertionError(f"{args[0]} did not come back to cursor 0 in 10,000 calls")


class Side:
    """One server's connections: main (the sequence's), other (writes from a second client, database 0)."""

    def __init__(self, port, protocol):
        self.main = connect(port, protocol)
        self.other = connect(port, protocol)

    def send_batch(self, batch):
        """Sends a batch from Generator.batch: its commands on the main connection in one write (a pipeline), then
        the one command that may end it (a SCAN iteration, or the other client's)."""
        pipelined = [args for args, compare, connection in batch if connection == "main" and compare != "scan"]
        replies = self.main.pipeline(pipelined) if pipelined else []
        return replies + [self.send(args, compare, connection) for args, compare, connection in batch[len(pipelined):]]

    def send(self, args, compare, connection):
        if compare == "scan":
            return scan_all(self.main, args)
        return (self.main if connection == "main" else self.other).pipeline([args])[0]

    def close(self):
        for c in (self.main, self.other):
            c.close()


def same_exec(purple, redis_reply, modes):
    """EXEC's array compared reply by reply, each as the queued command's own reply would be."""
    if not (isinstance(purple, list) and isinstance(redis_reply, list)) or len(purple) != len(redis_reply) \
            or len(modes) != len(redis_reply):
        return shape(purple) == shape(redis_reply)
    return all(same(p, w, m) for p, w, m in zip(purple, redis_reply, modes))


def run_sequence(reference_port, seed, protocol, steps=STEPS):
    purple, redis_side = Side(PORT, protocol), Side(reference_port, protocol)
    # Looks up, on Redis, keys given a time already past (see the module's docstring).
    toucher = connect(reference_port, 2)
    try:
        purple.main.call("FLUSHALL")
        redis_side.main.call("FLUSHALL")
        gen = Generator(seed)
        history = []
        in_multi, queued, past_times = False, [], False
        while len(history) < steps:
            batch = gen.batch(in_multi, steps - len(history))
            got_all, want_all = purple.send_batch(batch), redis_side.send_batch(batch)
            for (args, compare, connection), got, want in zip(batch, got_all, want_all):
                step = len(history)
                history.append(args if connection == "main" else ["(other client)"] + args)
                if compare == "exec":
                    ok = same_exec(got, want, queued) if args[0] == "EXEC" else same(got, want, None)
                else:
                    ok = same(got, want, compare)
                if not ok:
                    recent = "\n".join("  " + " ".join(repr(a) for a in h) for h in history[-HISTORY_SHOWN:])
                    pytest.fail(f"seed {seed}, RESP{protocol}, step {step} ({len(batch)} sent at once): {args!r}\n"
                                f"  purple: {shape(got)!r}\n  redis:  {shape(want)!r}\n"
                                f"the last {min(HISTORY_SHOWN, len(history))} commands (SELECT and FLUSHDB included):\n{recent}",
                                pytrace=False)
                # The transaction's state follows Redis's replies, which Purple's just matched.
                if connection == "main":
                    if args[0] == "MULTI" and want == "OK":
                        in_multi, queued = True, []
                    elif args[0] in ("EXEC", "DISCARD") and in_multi and not isinstance(want, RespError) \
                            or isinstance(want, RespError) and want.message.startswith("EXECABORT"):
                        in_multi = False
                    elif in_multi and want == "QUEUED":
                        queued.append(compare)
                past_times = past_times or str(FAR_PAST_MS) in args or str(FAR_PAST_SECONDS) in args
            assert in_multi == gen.in_multi_after, f"seed {seed}: the generator lost track of MULTI at step {len(history)}"
            if past_times and not in_multi:
                toucher.pipeline([cmd for db in ("0", "1") for cmd in [["SELECT", db]] + [["EXISTS", k] for k in KEYS]])
                past_times = False
        if in_multi:
            for side in (purple, redis_side):
                side.main.pipeline([["DISCARD"]])
        # The end state in both databases the sequence uses, key by key, whatever the last replies were.
        for db in ("0", "1"):
            for side in (purple, redis_side):
                side.main.call("SELECT", db)
            for probe, compare in [(["DBSIZE"], None)] + [(p, c) for k in KEYS for p, c in (
                    (["TYPE", k], None), (["GET", k], None), (["SMEMBERS", k], "sorted"), (["TTL", k], "ttl"))]:
                got, want = purple.main.pipeline([probe])[0], redis_side.main.pipeline([probe])[0]
                assert same(got, want, compare), \
                    f"seed {seed}, end state of db {db}: {probe!r}: {shape(got)!r} against {shape(want)!r}"
        return len(history)
    finally:
        for side in (purple, redis_side):
            try:
                side.main.call("FLUSHALL")
            except (RespError, OSError, ConnectionError):
                pass
            side.close()
        toucher.close()


@pytest.mark.parametrize("seed", [11, 23, 37, 41])
def test_resp2_replies_match_redis(reference_port, seed):
    assert run_sequence(reference_port, seed, protocol=2) == STEPS


@pytest.mark.parametrize("seed", [5, 61])
def test_resp3_replies_match_redis(reference_port, seed):
    assert run_sequence(reference_port, seed, protocol=3) == STEPS


def test_a_planted_difference_is_reported(reference_port):
    """The comparison itself can fail: a key present only on Purple shows at the first read of it."""
    purple = connect(PORT, 2)
    redis_server = connect(reference_port, 2)
    try:
        purple.call("FLUSHALL")
        redis_server.call("FLUSHALL")
        purple.call("SET", "{d}planted", "1")
        got = purple.pipeline([["GET", "{d}planted"]])[0]
        want = redis_server.pipeline([["GET", "{d}planted"]])[0]
        assert not same(got, want, None)
        assert same(["b", "a"], ["a", "b"], "sorted") and not same(["a"], ["a", "b"], "sorted")
        assert not same(SimpleString("OK"), "OK", None)
        assert same(100, 98, "ttl") and not same(100, 97, "ttl") and not same(-2, 5, "ttl")
    finally:
        purple.call("FLUSHALL")
        redis_server.call("FLUSHALL")
        purple.close()
        redis_server.close()
