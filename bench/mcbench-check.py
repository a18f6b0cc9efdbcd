#!/usr/bin/env python3
"""Checks that mcbench counts wrong replies: runs it against a fake memcached (in this process)
that misbehaves on every 50th command in one way per case, and expects errors == 0 only for the
well-behaved case. Takes ~25 s.
usage: bench/mcbench-check.py [MCBENCH]     (default: builds bench/mcbench.c into a temp dir)"""
import os, socket, subprocess, sys, tempfile, threading

FAULTS = {  # fault -> mcbench modes it must be caught in ("none": must give 0 errors everywhere)
    "none": ["set", "get", "get16", "mget"],
    "notstored": ["set"],        # NOT_STORED instead of STORED
    "error": ["set", "get"],     # SERVER_ERROR instead of the reply
    "wrongdata": ["get", "mget"],  # the value of another key under the right key
    "flags": ["get"],            # VALUE k 1 64
    "length": ["get"],           # VALUE k 0 63 + 63 bytes
    "otherkey": ["get"],         # VALUE for a key that was not asked for
    "dupkey": ["mget"],          # one key answered twice
    "extra": ["set", "get16"],   # one surplus reply line (shifts all later replies)
    "close": ["get"],            # connection closed instead of a reply
    "stall": ["get"],            # no reply at all
}
MODES = {"set": ["-m", "set"], "get": ["-m", "get"], "get16": ["-m", "get", "-P", "16"],
         "mget": ["-m", "mget", "-g", "10"]}


def serve(conn, fault, store, counter):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = conn.makefile("rb")
    try:
        while True:
            line = f.readline()
            if not line:
                return
            t = line.split()
            counter[0] += 1
            bad = counter[0] % 50 == 0
            if t[0] == b"version":
                conn.sendall(b"VERSION 1.6.18\r\n")
                continue
            if t[0] == b"set":
                store[t[1]] = f.read(int(t[4]) + 2)[:-2]
                r = b"NOT_STORED\r\n" if bad and fault == "notstored" else b"STORED\r\n"
            else:
                r = b""
                for k in t[1:]:
                    v = store.get(k)
                    if v is None:
                        continue
                    if bad and fault == "wrongdata":
                        v = store.get(b"key:000000000001" if k != b"key:000000000001" else b"key:000000000002", v)
                    if bad and fault == "otherkey":
                        k = b"key:999999999999"
                    flags, n = (1 if bad and fault == "flags" else 0), len(v)
                    if bad and fault == "length":
                        n, v = n - 1, v[:-1]
                    r += b"VALUE %s %d %d\r\n%s\r\n" % (k, flags, n, v) * (2 if bad and fault == "dupkey" else 1)
                r += b"END\r\n"
            if bad and fault == "error":
                r = b"SERVER_ERROR out of memory\r\n"
            if bad and fault == "extra":
                r += r.splitlines(True)[-1]
            if bad and fault == "close":
                conn.close()
                return
            if bad and fault == "stall":
                continue
            conn.sendall(r)
    except OSError:
        pass


def main():
    if len(sys.argv) > 1:
        mcbench = sys.argv[1]
    else:
        mcbench = os.path.join(tempfile.mkdtemp(), "mcbench")
        subprocess.run(["cc", "-O2", "-o", mcbench, os.path.join(os.path.dirname(os.path.abspath(__file__)), "mcbench.c")], check=True)
    failed = 0
    for fault, modes in FAULTS.items():
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(64)
        port = lst.getsockname()[1]
        store, counter = {}, [0]
        # preload before the fault is switched on, so every case starts from a full keyspace
        state = {"fault": "none"}

        def accept():
            while True:
                try:
                    c, _ = lst.accept()
                except OSError:
                    return
                threading.Thread(target=serve, args=(c, state["fault"], store, counter), daemon=True).start()
        threading.Thread(target=accept, daemon=True).start()
        base = [mcbench, "-p", str(port), "-k", "2000", "-d", "64"]
        subprocess.run(base + ["-L", "-t", "0", "-c", "1"], check=True, stdout=subprocess.DEVNULL)
        state["fault"] = fault
        for m in modes:
            counter[0] = 0
            p = subprocess.run(base + MODES[m] + ["-c", "4", "-t", "1"], capture_output=True, text=True, timeout=30)
            row = p.stdout.strip().split(",")
            errors = int(row[10]) if len(row) == 14 else -1
            ok = (errors == 0 and p.returncode == 0) if fault == "none" else (errors > 0 and p.returncode == 1)
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {fault:10} {m:6} errors={errors} rc={p.returncode}"
                  + ("" if ok else f"\n  stdout: {p.stdout.strip()}\n  stderr: {p.stderr.strip()}"))
        lst.close()
    print("all cases behave" if not failed else f"{failed} cases FAILED")
    sys.exit(1 if failed else 0)


main()
