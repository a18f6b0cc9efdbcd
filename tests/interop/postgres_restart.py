#!/usr/bin/env python3
"""PostgreSQL restarted under a writing node (--storage postgres): writes pause while it is away, succeed once it is
back, and no acknowledged write is lost — checked by killing the node (SIGKILL: no shutdown snapshot) and reading every
acknowledged key back from a new node on the same schema.

Run by tests/interop/postgres_restart.sh, which starts a PostgreSQL cluster of its own (restarting it would disturb
anything else using a shared one). Usage: postgres_restart.py PURPLE_BIN POSTGRES_SH PG_DIR LOG_DIR
Ends with `postgres-restart: N passed, N failed`.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import redis

PURPLE_BIN, POSTGRES_SH, PG_DIR, LOG_DIR = sys.argv[1:5]
CONN = open(os.path.join(PG_DIR, "conn")).read().strip()
PASSED = FAILED = 0


def check(name, ok, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"PASS {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}{': ' + detail if detail else ''}")


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Node:
    def __init__(self, name, schema, fsync):
        self.resp, self.http = free_ports(2)
        self.log_path = os.path.join(LOG_DIR, f"postgres-restart-{name}.log")
        env = dict(os.environ, PURPLE__POSTGRES=CONN)  # the connection string (with its password) stays off the command line
        self.proc = subprocess.Popen(
            [PURPLE_BIN, "--host", "127.0.0.1", "--resp-port", str(self.resp), "--http-port", str(self.http),
             "--memcached-port", "0", "--grpc-port", "0", "--capacity", "256MB",
             "--storage", "postgres", "--postgres-schema", schema, "--fsync", fsync],
            stdin=subprocess.DEVNULL, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"purple-node exited early ({self.proc.returncode}): {open(self.log_path).read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"purple-node did not answer /healthz: {open(self.log_path).read()[-2000:]}")

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.resp, socket_timeout=30, socket_connect_timeout=5, decode_responses=True)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def log(self):
        return open(self.log_path).read()


class Writer(threading.Thread):
    """SETs w:<i> = v<i> one at a time; a reply is an acknowledgement, an error leaves that key's outcome unknown."""

    def __init__(self, node, prefix):
        super().__init__(daemon=True)
        self.node, self.prefix = node, prefix
        self.acked, self.unknown, self.errors, self.error_kinds = {}, {}, 0, {}
        self.stop = threading.Event()
        self.longest = 0.0
        self.last_ack = time.time()

    def run(self):
        client = self.node.client()
        i = 0
        while not self.stop.is_set():
            key, value = f"{self.prefix}:{i}", f"v{i}-" + "x" * (i % 50)
            started = time.time()
            try:
                if client.set(key, value) is True:
                    self.acked[key] = value
                    self.last_ack = time.time()
                    self.longest = max(self.longest, self.last_ack - started)
                else:
                    self.unknown[key] = value
            except Exception as ex:  # noqa: BLE001 - ConnectionError, a reset socket, …: the write's outcome is unknown
                # The node closes connections it cannot answer durably; the write may still be applied later.
                self.unknown[key] = value
                self.errors += 1
                self.error_kinds[type(ex).__name__] = self.error_kinds.get(type(ex).__name__, 0) + 1
                time.sleep(0.1)
                client = self.node.client()
            i += 1

    def acked_count(self):
        return len(self.acked)


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def pg_restart(mode):
    started = time.time()
    subprocess.run([POSTGRES_SH, "restart", PG_DIR, mode], check=True, stdout=subprocess.DEVNULL)
    return time.time() - started


def scenario(name, fsync, modes):
    schema = f"restart_{name}"
    node = Node(name, schema, fsync)
    writer = Writer(node, name)
    writer.start()
    check(f"{name}: writes flow before the restart", wait_for(lambda: writer.acked_count() >= 200, 30), f"{writer.acked_count()} acked")
    for mode in modes:
        before = writer.acked_count()
        took = pg_restart(mode)
        back = time.time()
        ok = wait_for(lambda: writer.acked_count() >= before + 200 and writer.last_ack > back, 60)
        check(f"{name}: writes succeed again after pg_ctl restart -m {mode} ({took:.1f} s)", ok,
              f"acked {before} -> {writer.acked_count()}, errors {writer.errors}")
    writer.stop.set()
    writer.join(timeout=60)
    check(f"{name}: writes paused while PostgreSQL was away (connections closed unanswered)", writer.errors > 0,
          f"{writer.errors} errors {writer.error_kinds}")
    status = {}
    check(f"{name}: INFO says the journal writes again",
          wait_for(lambda: status.update(s=node.client().info("persistence").get("aof_last_write_status")) or status["s"] == "ok", 10),
          str(status.get("s")))
    # The console logger writes in the background: give the lines a moment to reach the file.
    check(f"{name}: the node logged the failure and the recovery",
          wait_for(lambda: "failed, retrying every second" in node.log() and "succeed again" in node.log(), 10), node.log()[-1500:])
    log = node.log()
    check(f"{name}: no password in the node's log", CONN.split("Password=")[1].split(";")[0] not in log)
    if fsync == "everysec":
        time.sleep(2.5)  # everysec's promise is about a second: let the flush barrier run before the kill
    node.kill()

    again = Node(name + "-again", schema, fsync)
    client = again.client()
    keys = list(writer.acked)
    values = []
    for start in range(0, len(keys), 500):
        values += client.mget(keys[start:start + 500])
    lost = [k for k, v in zip(keys, values) if v != writer.acked[k]]
    check(f"{name}: every acknowledged write ({len(keys)}) is there after SIGKILL and a restart", not lost,
          f"{len(lost)} lost, e.g. {lost[:5]}")
    unknown = list(writer.unknown)
    got = client.mget(unknown) if unknown else []
    wrong = [k for k, v in zip(unknown, got) if v is not None and v != writer.unknown[k]]
    check(f"{name}: writes without a reply ({len(unknown)}) are absent or whole, never different", not wrong, str(wrong[:5]))
    extra = int(client.dbsize()) - len(keys) - sum(1 for v in got if v is not None)
    check(f"{name}: nothing else appeared", extra == 0, f"{extra} unexpected keys")
    again.kill()
    print(f"  {name}: {len(keys)} acknowledged, {len(unknown)} without reply, {writer.errors} connection errors, "
          f"longest acknowledged write {writer.longest:.2f} s")


try:
    # always: each reply waits for its synchronous commit; the restart is a fast shutdown, then a crash (immediate).
    scenario("always", "always", ["fast", "immediate"])
    # everysec: commits are asynchronous; an immediate restart may lose the last ones, which the node sends again.
    scenario("everysec", "everysec", ["immediate"])
except Exception as ex:  # noqa: BLE001 - any failure of the harness is a failed check, with its reason
    check("harness", False, repr(ex))
print(f"postgres-restart: {PASSED} passed, {FAILED} failed")
sys.exit(1 if FAILED else 0)
