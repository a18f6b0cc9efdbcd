#!/usr/bin/python3
"""Crash and corruption checks of durable storage (--storage sqlite, docs/storage.md) against real purple-node
processes that this script starts, kills and restarts on one data directory.

usage: tests/interop/durable_crash.py [--seed N] [--cycles N] [--everysec-cycles N] [--keep] [-v]
                                      [--only always|everysec|corruption ...]

  a) --fsync always: CYCLES (20) times: start the node on the same data dir, check that every write acknowledged
     so far is there, run a write load from THREADS (4) connections (SET of unique keys with values derived from
     the key, INCR on a few counters, SADD of unique members), SIGKILL the node 0.3-1.5 s into it. A write counts
     as acknowledged when its reply arrived (the node sends a reply only after the write is durable, so a reply
     still in the socket buffer after the kill was sent before it). After the restart: every acknowledged SET key
     has its exact value, every counter is >= its acknowledged INCRs and <= acknowledged + in-flight, every
     acknowledged SADD member is there, and nothing else exists (DBSIZE). Zero acknowledged writes may be lost.
  b) --fsync everysec: EVERYSEC_CYCLES (5) cycles on a fresh dir; an acknowledged write may be missing only if it
     was acknowledged within LOSS_WINDOW (2 s) of the kill.
  c) Every third cycle sends BGSAVE during the load, every fourth runs with --snapshot-min-journal 4KB (the
     journal-growth rule snapshots mid-load): recovery = snapshot + journal tail, checked in INFO persistence;
     one cycle of each mode ends with SIGTERM instead (graceful stop: a final snapshot, nothing replayed, exit
     status 0).
  d) Corruption: a stopped node's data dir with two snapshots and a journal tail (k0..kN written one at a time under
     --fsync always) is copied, then journal.db-wal / journal.db are truncated at several offsets, random bytes of
     journal.db, journal.db-wal and the newest snapshot are flipped; each time the node must either start and serve
     exactly {k0..kM} for some M with the right values (all of them when only a snapshot was damaged: the older
     snapshot plus the longer journal tail, with the fallback logged), and keep working (5 more writes, SIGKILL,
     restart: exactly {k0..kM+5}), or refuse to start with `purple: cannot start: ...` and a non-zero status.
     Never a stack trace, a hang, or a state that is not a prefix of the history.

Prints `PASS name` / `FAIL name: why` per check, `# ...` information lines (totals), and last
`durable-crash: N passed, N failed` (test.sh parses that line). Exit 0 only if all passed.
Env: PURPLE_BIN (default Purple.Node/bin/Release/net10.0/purple-node), DURABLE_PORTS (16400-16499: the RESP
ports it may use), DURABLE_SEED (random), DURABLE_KEEP=1 (keep the temp dir; it is kept anyway on failure).
"""
import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("PURPLE_BIN") or os.path.join(ROOT, "Purple.Node", "bin", "Release", "net10.0", "purple-node")
NAME = "durable-crash"
THREADS = 4
COUNTERS = 4
SETS = 4
LOSS_WINDOW = 2.0        # everysec: acknowledged writes this close to the kill may be lost
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0      # SIGTERM: the host's own shutdown timeout is 10 s
STACK_TRACE = re.compile(r"Unhandled exception|^\s+at [\w.<>`]+[.(]|\bcrit:", re.M)

passed = 0
failed = 0
_procs = []              # every node started, killed in the finally of main


def ok(name):
    global passed
    passed += 1
    print(f"PASS {name}", flush=True)


def bad(name, why):
    global failed
    failed += 1
    print(f"FAIL {name}: {why}", flush=True)


def check(name, condition, why):
    (ok(name) if condition else bad(name, why))
    return condition


def note(text):
    print(f"# {text}", flush=True)


VERBOSE = os.environ.get("DURABLE_VERBOSE") == "1"


def detail(text):
    """Per cycle / per trial information: with -v (or DURABLE_VERBOSE=1) only."""
    if VERBOSE:
        note(text)


def value_of(key):
    """The value every SET of KEY writes: derived from the key, so a wrong value is always detectable."""
    return key + ":" + hashlib.sha1(key.encode()).hexdigest()[: 8 + len(key) % 17]


def short(items, n=5):
    items = sorted(items)
    return ", ".join(map(str, items[:n])) + (f" ... ({len(items)} in all)" if len(items) > n else "")


# --- ports and nodes ----------------------------------------------------------------------------------

def port_range():
    spec = os.environ.get("DURABLE_PORTS", "16400-16499")
    lo, _, hi = spec.partition("-")
    return int(lo), int(hi or lo)


_last_ports = []


def free_port():
    """A port of DURABLE_PORTS nobody listens on (bound without SO_REUSEADDR, so also none in TIME_WAIT),
    not one of the last few handed out (a node killed a moment ago may still hold it)."""
    lo, hi = port_range()
    candidates = list(range(lo, hi + 1))
    random.shuffle(candidates)
    for port in candidates:
        if port in _last_ports:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        _last_ports.append(port)
        del _last_ports[:-8]
        return port
    raise RuntimeError(f"no free port in {lo}-{hi}")


class Node:
    """One purple-node process on DATA_DIR; its stdout and stderr go to LOGDIR/<tag>.out / .err."""

    def __init__(self, data_dir, fsync, logdir, tag, extra=()):
        self.data_dir, self.fsync, self.tag = data_dir, fsync, tag
        self.out_path = os.path.join(logdir, tag + ".out")
        self.err_path = os.path.join(logdir, tag + ".err")
        self.extra = list(extra)
        self.proc = None
        self.port = None
        self.started_at = None

    def start(self):
        """Starts the node; returns 'ready' (PING answered), 'exited' (self.rc set) or 'hang'."""
        for attempt in range(3):
            self.port = free_port()
            args = [BIN, "--host", "127.0.0.1", "--resp-port", str(self.port), "--memcached-port", "0",
                    "--http-port", "0", "--grpc-port", "0", "--storage", "sqlite", "--data-dir", self.data_dir,
                    "--fsync", self.fsync] + self.extra
            with open(self.out_path, "ab") as out, open(self.err_path, "ab") as err:
                self.started_at = time.monotonic()
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            _procs.append(self.proc)
            state = self._wait_ready()
            if state == "exited" and "is already in use" in self.stderr() + self.stdout() and attempt < 2:
                continue   # lost a race for the port: try another
            return state
        return state

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.rc = rc
                return "exited"
            try:
                c = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=1)
                try:
                    if c.ping():
                        self.ready_seconds = time.monotonic() - self.started_at
                        return "ready"
                finally:
                    c.close()
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                pass
            time.sleep(0.05)
        return "hang"

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=15, socket_connect_timeout=5, **kw)

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def terminate(self):
        """SIGTERM; returns the exit status, or None (then SIGKILLed) when it did not stop in STOP_TIMEOUT."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def stdout(self):
        return _read(self.out_path)

    def stderr(self):
        return _read(self.err_path)

    def info(self):
        return self.client().info("persistence")


def _read(path):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# --- a) b) c): crash loops --------------------------------------------------------------------------

class History:
    """What the clients know about the data: acknowledged writes (with their ack time), in-flight writes (sent,
    no reply: may or may not have happened), and each counter's value at the last check."""

    def __init__(self):
        self.strings = {}       # key -> ack time (monotonic); value is value_of(key)
        self.members = {f"set:{i}": {} for i in range(SETS)}  # set key -> {member: ack time}
        self.counter_base = {f"ctr:{i}": 0 for i in range(COUNTERS)}
        self.counter_acks = {k: [] for k in self.counter_base}  # ack times since the last check
        self.counter_inflight = {k: 0 for k in self.counter_base}
        self.inflight_strings = set()
        self.inflight_members = {k: set() for k in self.members}
        self.acked = 0          # acknowledged writes, all cycles
        self.checked = 0        # acknowledged writes verified, summed over checks
        self.lost = 0           # everysec: acknowledged writes missing (all within the window)


def worker(port, cycle, tid, rng, out):
    """One connection writing until it breaks; appends ('ack'|'inflight'|'error', op, key, arg, t) to OUT."""
    try:
        conn = redis.Connection(host="127.0.0.1", port=port, socket_timeout=15, socket_connect_timeout=5)
        conn.connect()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
        out.append(("error", "connect", str(e), None, time.monotonic()))
        return
    i = 0
    try:
        while True:
            r = rng.random()
            if r < 0.6:
                key = f"s:{cycle}:{tid}:{i}"
                op, args, expect = "SET", (key, value_of(key)), lambda x: x in (b"OK", "OK")
            elif r < 0.8:
                key = f"ctr:{rng.randrange(COUNTERS)}"
                op, args, expect = "INCR", (key,), lambda x: isinstance(x, int) and x > 0
            else:
                key = f"set:{rng.randrange(SETS)}"
                member = f"m:{cycle}:{tid}:{i}"
                op, args, expect = "SADD", (key, member), lambda x: x == 1
            try:
                conn.send_command(op, *args)
                reply = conn.read_response()
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                out.append(("inflight", op, key, args[-1], time.monotonic()))
                return
            except redis.ResponseError as e:
                out.append(("error", op, key, f"error reply {e}", time.monotonic()))
                return
            t = time.monotonic()
            if not expect(reply):
                out.append(("error", op, key, f"unexpected reply {reply!r}", t))
                return
            out.append(("ack", op, key, args[-1], t))
            i += 1
    finally:
        conn.disconnect()


def scan_all(c):
    return {k.decode() for k in c.scan_iter(count=1000)}


def verify(node, hist, label, kill_time=None, loss_window=0.0):
    """Checks the restarted node against HIST; writes acknowledged at or after kill_time - loss_window may be
    missing. Then rebases HIST on what is there. Returns True when nothing acknowledged was lost wrongly."""
    c = node.client()
    deadline = None if kill_time is None else kill_time - loss_window
    problems = []
    allowed_lost = 0
    oldest = 0.0          # everysec: age at the kill of the oldest acknowledged write found missing
    checked = 0

    # strings: acknowledged ones must be there with their exact value; in-flight ones, if there, too.
    keys = list(hist.strings) + sorted(hist.inflight_strings)
    values = []
    for i in range(0, len(keys), 1000):
        values += c.mget(keys[i:i + 1000])
    missing, wrong = [], []
    for key, v in zip(keys, values):
        acked = key in hist.strings
        if v is None:
            if acked:
                if deadline is not None and hist.strings[key] >= deadline:
                    allowed_lost += 1
                    oldest = max(oldest, kill_time - hist.strings[key])
                    del hist.strings[key]
                else:
                    missing.append(key)
        elif v.decode() != value_of(key):
            wrong.append(key)
        elif not acked:
            hist.strings[key] = 0.0       # an in-flight write that happened: known from now on
        if acked:
            checked += 1
    hist.inflight_strings.clear()
    if missing:
        problems.append(f"{len(missing)} acknowledged SET keys missing ({short(missing)})")
    if wrong:
        problems.append(f"{len(wrong)} SET keys with a wrong value ({short(wrong)})")

    # counters: acknowledged <= value <= acknowledged + in-flight (everysec: minus the recent acknowledgements)
    for key, base in hist.counter_base.items():
        acks = hist.counter_acks[key]
        raw = c.get(key)
        value = int(raw) if raw is not None else 0
        floor = base + sum(1 for t in acks if deadline is None or t < deadline)
        ceiling = base + len(acks) + hist.counter_inflight[key]
        checked += len(acks)
        if not floor <= value <= ceiling:
            problems.append(f"{key} = {value}, expected {floor}..{ceiling} (base {base}, {len(acks)} acknowledged "
                            f"INCRs, {hist.counter_inflight[key]} in flight)")
        else:
            allowed_lost += max(0, base + len(acks) - value)
        hist.counter_base[key] = value
        hist.counter_acks[key] = []
        hist.counter_inflight[key] = 0

    # set members: acknowledged ones there; nothing there that was neither acknowledged nor in flight
    for key, acked in hist.members.items():
        present = {m.decode() for m in c.smembers(key)}
        checked += len(acked)
        lost = [m for m in acked if m not in present]
        late = [m for m in lost if deadline is not None and acked[m] >= deadline]
        allowed_lost += len(late)
        oldest = max([oldest] + [kill_time - acked[m] for m in late])
        hard = sorted(set(lost) - set(late))
        if hard:
            problems.append(f"{key}: {len(hard)} acknowledged members missing ({short(hard)})")
        phantom = present - set(acked) - hist.inflight_members[key]
        if phantom:
            problems.append(f"{key}: {len(phantom)} members nobody added ({short(phantom)})")
        hist.members[key] = {m: acked.get(m, 0.0) for m in present}
        hist.inflight_members[key] = set()

    # nothing else: a key nobody wrote (or one resurrected) breaks DBSIZE
    expected = len(hist.strings) + sum(1 for k, v in hist.counter_base.items() if v > 0) + \
        sum(1 for m in hist.members.values() if m)
    size = c.dbsize()
    if size != expected:
        extra = scan_all(c) - set(hist.strings) - set(hist.counter_base) - set(hist.members)
        problems.append(f"DBSIZE {size}, expected {expected} (unexpected keys: {short(extra) or 'none'})")
    c.close()

    hist.checked += checked
    hist.lost += allowed_lost
    window = f", {allowed_lost} acknowledged within {loss_window:.0f} s of the kill missing (allowed; the oldest " \
        f"acknowledged {oldest:.2f} s before it)" if loss_window else ""
    check(f"{label}: every acknowledged write present", not problems,
          "; ".join(problems) + f" (data dir {node.data_dir})")
    if not problems:
        detail(f"{label}: {checked} acknowledged writes checked{window}")
    return not problems


def fold(hist, results):
    """Adds one cycle's worker results to HIST; returns (acknowledged, in flight, error texts)."""
    acked = inflight = 0
    errors = []
    for kind, op, key, arg, t in results:
        if kind == "error":
            errors.append(f"{op} {key}: {arg}")
        elif kind == "ack":
            acked += 1
            hist.acked += 1
            if op == "SET":
                hist.strings[key] = t
            elif op == "INCR":
                hist.counter_acks[key].append(t)
            else:
                hist.members[key][arg] = t
        else:
            inflight += 1
            if op == "SET":
                hist.inflight_strings.add(key)
            elif op == "INCR":
                hist.counter_inflight[key] += 1
            else:
                hist.inflight_members[key].add(arg)
    return acked, inflight, errors


def log_problems(node):
    """Stack traces or critical errors in the node's output, and warnings of corrupt data (after a plain kill)."""
    text = node.stdout() + node.stderr()
    found = []
    if STACK_TRACE.search(text):
        found.append("stack trace / critical error in its output")
    for line in text.splitlines():
        if "fail:" in line or ("warn:" in line and re.search(r"corrupt|unusable|unreadable", line)):
            found.append(line.strip()[:300])
    return found


def crash_loop(base, fsync, cycles, seed, sigterm_cycle):
    hist = History()
    data = os.path.join(base, f"data-{fsync}")
    label0 = f"{fsync}"
    window = LOSS_WINDOW if fsync == "everysec" else 0.0
    tails = 0            # cycles whose recovery used a snapshot plus a journal tail
    bgsaves = 0
    rng = random.Random(seed)
    kill_time = None
    previous_graceful = False
    all_ok = True
    for cycle in range(cycles + 1):          # the last start only checks
        label = f"{label0} cycle {cycle}"
        # every fourth cycle also lets the journal-growth rule take snapshots while the load runs
        extra = ["--snapshot-min-journal", "4KB"] if cycle % 4 == 2 else []
        node = Node(data, fsync, base, f"{fsync}-{cycle:02d}", extra)
        state = node.start()
        if state != "ready":
            all_ok = False
            bad(f"{label}: node starts", f"{state} (rc {getattr(node, 'rc', None)}); stderr: "
                f"{node.stderr()[-800:]!r}; log: {node.stdout()[-800:]!r}")
            node.kill9()
            break
        try:
            info = node.info()
            if cycle > 0:
                all_ok &= verify(node, hist, label + " after restart", kill_time, window)
                problems = log_problems(node)
                all_ok &= check(f"{label}: recovery found nothing corrupt", not problems and
                                int(info.get("purple_recovery_truncated_records", 0)) == 0,
                                f"{problems}; truncated records {info.get('purple_recovery_truncated_records')}")
                if int(info.get("purple_snapshot_position", 0)) > 0 and int(info.get("purple_recovery_records", 0)) > 0:
                    tails += 1
                if previous_graceful:
                    all_ok &= check(f"{label}: after SIGTERM nothing left to replay",
                                    int(info.get("purple_recovery_records", -1)) == 0,
                                    f"purple_recovery_records {info.get('purple_recovery_records')} (a final snapshot "
                                    f"at stop should cover everything)")
            if cycle == cycles:
                node.terminate()
                break
            # load
            results = [[] for _ in range(THREADS)]
            threads = [threading.Thread(target=worker, args=(node.port, cycle, t, random.Random(rng.random()),
                                                            results[t]), daemon=True) for t in range(THREADS)]
            for t in threads:
                t.start()
            load_start = time.monotonic()
            delay = rng.uniform(0.3, 1.5)
            if cycle % 3 == 1:
                # BGSAVE mid-load. Every other time the kill waits for the snapshot to be done and then lets the
                # load run 0.1-0.5 s more (recovery = that snapshot + a journal tail); otherwise it comes when it
                # comes, often while the snapshot is being written.
                wait_for_it = cycle % 2 == 1
                time.sleep(rng.uniform(0.05, max(0.06, delay - 0.1)))
                admin = node.client()
                try:
                    saves = int(admin.info("persistence")["rdb_saves"])
                    # SCHEDULE: a journal-growth snapshot may already be running (Redis: "already in progress").
                    reply = admin.execute_command("BGSAVE", "SCHEDULE")
                    bgsaves += 1
                    detail(f"{label}: BGSAVE -> {reply!r}")
                    if wait_for_it:
                        until = time.monotonic() + 20
                        while int(admin.info("persistence")["rdb_saves"]) == saves and time.monotonic() < until:
                            time.sleep(0.02)
                        done = int(admin.info("persistence")["rdb_saves"]) > saves
                        all_ok &= check(f"{label}: BGSAVE completes under load", done,
                                        f"rdb_saves still {saves} 20 s later")
                        delay = time.monotonic() - load_start + rng.uniform(0.1, 0.5)
                except redis.RedisError as e:
                    bad(f"{label}: BGSAVE", str(e))
                    all_ok = False
                finally:
                    admin.close()
                time.sleep(max(0.0, load_start + delay - time.monotonic()))
            else:
                time.sleep(delay)
            previous_graceful = cycle == sigterm_cycle
            kill_time = time.monotonic()
            if previous_graceful:
                rc = node.terminate()
                all_ok &= check(f"{label}: SIGTERM mid-load stops the node with status 0", rc == 0,
                                f"status {rc} (None: still running {STOP_TIMEOUT:.0f} s later); "
                                f"log tail: {node.stdout()[-600:]!r}")
                all_ok &= check(f"{label}: SIGTERM took a final snapshot", "(shutdown)" in node.stdout(),
                                "no 'Snapshot at position ... (shutdown)' in its log")
            else:
                node.kill9()
            for t in threads:
                t.join(30)
            if any(t.is_alive() for t in threads):
                bad(f"{label}: clients end after the node is gone", "a client thread still runs 30 s later")
                all_ok = False
                break
            acked, inflight, errors = fold(hist, [r for rs in results for r in rs])
            if errors:
                all_ok = False
                bad(f"{label}: load without error replies", "; ".join(errors[:5]))
            detail(f"{label}: {'SIGTERM' if previous_graceful else 'SIGKILL'} after {delay:.2f} s: "
                 f"{acked} writes acknowledged, {inflight} in flight")
        except (redis.RedisError, OSError) as e:
            all_ok = False
            bad(f"{label}", f"{type(e).__name__}: {e}")
            break
        finally:
            node.kill9()
    check(f"{label0}: some recoveries used a snapshot plus a journal tail", tails > 0,
          f"none of {cycles} restarts did (BGSAVEs sent: {bgsaves})")
    return hist, all_ok


# --- d): corruption -------------------------------------------------------------------------------

def kval(i):
    return value_of(f"k{i}")


def write_keys(c, lo, hi):
    for i in range(lo, hi):
        c.set(f"k{i}", kval(i))      # acknowledged (durable under --fsync always) before the next is sent


def read_prefix(node):
    """The node's keys if they are exactly {k0..kM} with the right values: returns (M + 1, None) or (None, why)."""
    c = node.client()
    try:
        keys = scan_all(c)
        n = len(keys)
        expected = {f"k{i}" for i in range(n)}
        if keys != expected:
            odd = keys - expected
            gap = expected - keys
            return None, f"{n} keys, not k0..k{n - 1}: unexpected {short(odd)}; missing {short(gap)}"
        names = [f"k{i}" for i in range(n)]
        values = []
        for i in range(0, n, 1000):
            values += c.mget(names[i:i + 1000])
        wrong = [names[i] for i, v in enumerate(values) if v is None or v.decode() != kval(i)]
        if wrong:
            return None, f"wrong values for {short(wrong)}"
        return n, None
    finally:
        c.close()


def build_history(base):
    """k0..k(N-1) written one at a time under --fsync always, SAVE after A and B keys, killed after N."""
    data = os.path.join(base, "pristine")
    A, B, N = 300, 600, 1800
    node = Node(data, "always", base, "corrupt-build", ["--snapshot-min-journal", "10GB"])
    if node.start() != "ready":
        bad("corruption: build the history", f"node did not start: {node.stderr()[-500:]!r}")
        node.kill9()
        return None
    try:
        c = node.client()
        write_keys(c, 0, A)
        c.execute_command("SAVE")
        write_keys(c, A, B)
        c.execute_command("SAVE")
        write_keys(c, B, N)
        info = c.info("persistence")
        c.close()
    finally:
        node.kill9()
    snaps = sorted(f for f in os.listdir(data) if f.startswith("snapshot-") and f.endswith(".db"))
    sizes = {f: os.path.getsize(os.path.join(data, f)) for f in os.listdir(data)}
    detail(f"corruption: history k0..k{N - 1} ({info.get('purple_journal_commits')} commits; "
         f"files {', '.join(f'{k} {v}' for k, v in sorted(sizes.items()))})")
    if not check("corruption: the history has two snapshots and a journal tail in journal.db and its WAL",
                 len(snaps) == 2 and sizes.get("journal.db-wal", 0) > 0 and sizes.get("journal.db", 0) > 8192,
                 f"files {sizes}"):
        return None
    return data, N, snaps


class Trials:
    def __init__(self, base, pristine, n, snaps, rng):
        self.base, self.pristine, self.n, self.snaps, self.rng = base, pristine, n, snaps, rng
        self.count = 0
        self.outcomes = []

    def run(self, name, mutate, expect_all=False, expect_log=None, expect_refusal=False):
        self.count += 1
        label = f"corruption: {name}"
        data = os.path.join(self.base, f"trial-{self.count:02d}")
        shutil.copytree(self.pristine, data)
        what = mutate(data)
        node = Node(data, "always", self.base, f"trial-{self.count:02d}", ["--snapshot-min-journal", "10GB"])
        state = node.start()
        out = node.stdout() + node.stderr()
        try:
            if STACK_TRACE.search(out):
                return bad(label, f"stack trace in its output ({what}): {out[-1500:]!r}")
            if state == "hang":
                return bad(label, f"started but no PING answer within {READY_TIMEOUT:.0f} s ({what})")
            if state == "exited":
                message = next((l for l in node.stderr().splitlines() if l.startswith("purple: cannot start:")), None)
                if expect_all:
                    return bad(label, f"refused to start (rc {node.rc}) though only a snapshot was damaged "
                               f"({what}): {message or out[-600:]!r}")
                if not check(label, node.rc != 0 and message is not None,
                             f"exited with status {node.rc} without a 'purple: cannot start:' message ({what}): "
                             f"{out[-600:]!r}"):
                    return
                self.outcomes.append("refused")
                detail(f"{name}: refused to start: {message[:300]}")
                shutil.rmtree(data, ignore_errors=True)
                return
            if expect_refusal:
                return bad(label, f"started ({what}); it should refuse: it cannot serve all it acknowledged")
            m, why = read_prefix(node)
            if m is None:
                return bad(label, f"serves a state that is not a prefix of the history ({what}): {why}")
            if expect_all and m != self.n:
                return bad(label, f"lost data: k0..k{m - 1} of k0..k{self.n - 1} ({what})")
            if expect_log and expect_log not in out:
                return bad(label, f"all data served, but its log does not say '{expect_log}' ({what})")
            info = node.info()
            # it keeps working: more writes, a crash, and the same prefix plus them after the next start
            c = node.client()
            write_keys(c, m, m + 5)
            c.close()
            node.kill9()
            again = Node(data, "always", self.base, f"trial-{self.count:02d}b", ["--snapshot-min-journal", "10GB"])
            state2 = again.start()
            try:
                if state2 != "ready":
                    return bad(label, f"k0..k{m - 1} served, but after 5 more writes and a SIGKILL the node does "
                               f"not restart ({state2}): {again.stderr()[-600:]!r} {again.stdout()[-600:]!r}")
                m2, why2 = read_prefix(again)
                if m2 != m + 5:
                    return bad(label, f"k0..k{m - 1} served; after 5 more writes and a SIGKILL the restart serves "
                               f"{why2 or f'k0..k{m2 - 1}'} instead of k0..k{m + 4}")
                if STACK_TRACE.search(again.stdout() + again.stderr()):
                    return bad(label, "stack trace in the second start's output")
            finally:
                again.kill9()
            self.outcomes.append("all" if m == self.n else "prefix")
            ok(label)
            shutil.rmtree(data, ignore_errors=True)   # a failing trial's copy is kept (with the work dir) to look at
            detail(f"{name}: started, served k0..k{m - 1} of k0..k{self.n - 1} (snapshot at "
                 f"{info.get('purple_snapshot_position')}, {info.get('purple_recovery_records')} journal records, "
                 f"{info.get('purple_recovery_truncated_records')} dropped); {what}")
        finally:
            node.kill9()


def truncate_to(name, size):
    def mutate(data):
        path = os.path.join(data, name)
        full = os.path.getsize(path)
        target = size(full) if callable(size) else size
        with open(path, "r+b") as f:
            f.truncate(target)
        return f"{name} {full} -> {target} bytes"
    return mutate


def flip_random(name, count, rng):
    def mutate(data):
        path = name(data) if callable(name) else os.path.join(data, name)
        size = os.path.getsize(path)
        offsets = sorted(rng.randrange(size) for _ in range(count))
        with open(path, "r+b") as f:
            for off in offsets:
                f.seek(off)
                b = f.read(1)[0]
                f.seek(off)
                f.write(bytes([b ^ (1 << rng.randrange(8))]))
        return f"{os.path.basename(path)} ({size} bytes): bit flips at {offsets[:8]}{'...' if count > 8 else ''}"
    return mutate


def newest_snapshot(data):
    return os.path.join(data, max(f for f in os.listdir(data) if f.startswith("snapshot-") and f.endswith(".db")))


def flip_in_value(data):
    """Flips one byte inside a stored value of the newest snapshot (so its row checksum must catch it)."""
    path = newest_snapshot(data)
    blob = open(path, "rb").read()
    needle = kval(123).encode()
    at = blob.find(needle)
    if at < 0:
        raise RuntimeError(f"value of k123 not found in {path}")
    with open(path, "r+b") as f:
        f.seek(at + len(needle) - 1)
        f.write(b"#")
    return f"{os.path.basename(path)}: one byte of k123's value changed at offset {at + len(needle) - 1}"


def corruption(base, seed):
    rng = random.Random(seed + 1)
    built = build_history(base)
    if built is None:
        return
    pristine, n, snaps = built
    newest_seq = int(snaps[-1][len("snapshot-"):-3])
    older_seq = int(snaps[0][len("snapshot-"):-3])
    trials = Trials(base, pristine, n, snaps, rng)
    trials.run("untouched copy serves all of it", lambda d: "nothing changed", expect_all=True)
    # (1) truncations of the WAL and of the database file
    page = 4096 + 24
    trials.run("journal.db-wal truncated to 0", truncate_to("journal.db-wal", 0))
    trials.run("journal.db-wal truncated to its header", truncate_to("journal.db-wal", 32))
    trials.run("journal.db-wal truncated mid-frame", truncate_to("journal.db-wal", lambda s: 32 + page * (s // page // 2) + 1000))
    trials.run("journal.db-wal truncated by one byte", truncate_to("journal.db-wal", lambda s: s - 1))
    trials.run("journal.db truncated to 0", truncate_to("journal.db", 0))
    trials.run("journal.db truncated to half", truncate_to("journal.db", lambda s: s // 2 // 4096 * 4096))
    trials.run("journal.db truncated mid-page", truncate_to("journal.db", lambda s: s - 4096 - 777))
    # (2) flipped bytes
    for i, count in enumerate((1, 4, 16, 64)):
        trials.run(f"journal.db with {count} random bit flips", flip_random("journal.db", count, rng))
    for i, count in enumerate((1, 16)):
        trials.run(f"journal.db-wal with {count} random bit flips", flip_random("journal.db-wal", count, rng))
    fallback = f"Snapshot {newest_seq} is unusable"
    trials.run("newest snapshot with a changed value byte (falls back to the older one)", flip_in_value,
               expect_all=True, expect_log=fallback)
    trials.run("newest snapshot truncated to half (falls back to the older one)",
               lambda d: truncate_to(os.path.basename(newest_snapshot(d)), lambda s: s // 2)(d),
               expect_all=True, expect_log=fallback)
    trials.run("newest snapshot truncated mid-page (falls back to the older one)",
               lambda d: truncate_to(os.path.basename(newest_snapshot(d)), lambda s: (s // 4096 - 1) * 4096 + 1771)(d),
               expect_all=True, expect_log=fallback)
    for count in (2, 32):
        trials.run(f"newest snapshot with {count} random bit flips", flip_random(newest_snapshot, count, rng),
                   expect_all=True)

    def no_fallback(data):
        detail = flip_in_value(data)
        os.remove(os.path.join(data, snaps[0]))
        return detail + f"; {snaps[0]} deleted"
    trials.run("newest snapshot damaged and the older one gone (the journal starts past 0: refuse)", no_fallback,
               expect_refusal=True)

    def overwrite_header(data):
        with open(os.path.join(data, "journal.db"), "r+b") as f:
            f.write(b"not a database!!")
        return "journal.db's first 16 bytes overwritten"
    trials.run("journal.db header overwritten", overwrite_header)
    o = trials.outcomes
    note(f"corruption: {trials.count} trials on k0..k{n - 1} (snapshots at {older_seq} and {newest_seq}): "
         f"{o.count('all')} served all of it, {o.count('prefix')} a shorter prefix, {o.count('refused')} refused to "
         f"start (with a message), {trials.count - len(o)} failed")


# --- main ----------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=int(os.environ.get("DURABLE_SEED") or random.randrange(1 << 30)))
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument("--everysec-cycles", type=int, default=5)
    p.add_argument("--keep", action="store_true", default=os.environ.get("DURABLE_KEEP") == "1")
    p.add_argument("-v", "--verbose", action="store_true", help="a line per cycle and per corruption trial")
    p.add_argument("--only", choices=["always", "everysec", "corruption"], action="append")
    a = p.parse_args()
    if not os.access(BIN, os.X_OK):
        bad("purple-node is built", f"{BIN} is not an executable (dotnet build -c Release Purple.Node)")
        print(f"{NAME}: {passed} passed, {failed} failed")
        return 1
    random.seed(a.seed)
    global VERBOSE
    VERBOSE = VERBOSE or a.verbose
    base = tempfile.mkdtemp(prefix="purple-durable-")
    t0 = time.monotonic()
    note(f"seed {a.seed} (DURABLE_SEED={a.seed} repeats it), work dir {base}")
    totals = []
    try:
        only = a.only or ["always", "everysec", "corruption"]
        if "always" in only:
            hist, _ = crash_loop(base, "always", a.cycles, a.seed, sigterm_cycle=a.cycles // 2)
            totals.append(f"always: {a.cycles} cycles, {hist.acked} writes acknowledged, {hist.checked} checks of "
                          f"acknowledged writes after restarts, none may be lost")
        if "everysec" in only:
            hist, _ = crash_loop(base, "everysec", a.everysec_cycles, a.seed + 7, sigterm_cycle=a.everysec_cycles - 1)
            totals.append(f"everysec: {a.everysec_cycles} cycles, {hist.acked} writes acknowledged, {hist.checked} "
                          f"checks of acknowledged writes after restarts, {hist.lost} missing (allowed: acknowledged "
                          f"within {LOSS_WINDOW:.0f} s of a kill)")
        if "corruption" in only:
            corruption(base, a.seed)
    except Exception as e:   # a bug of this script (or an unexpected client error): report it, still summarize
        bad("durable-crash script", f"{type(e).__name__}: {e}")
        import traceback
        traceback.print_exc(file=sys.stdout)
    finally:
        for proc in _procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for line in totals:
            note("totals " + line)
        note(f"done in {time.monotonic() - t0:.0f} s")
        if failed or a.keep:
            note(f"kept {base} (node logs and data dirs)")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print(f"{NAME}: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
