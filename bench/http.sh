#!/usr/bin/env bash
# Purple's HTTP/JSON API vs a bare Kestrel endpoint on this machine: throughput and latency (wrk).
#
# usage: bench/http.sh [OUTDIR]            (default OUTDIR: bench/out/http-YYYYmmdd-HHMMSS)
#
# What it does:
#   1. builds Purple (dotnet build -c Release Purple.Node) unless PURPLE_CMD is given, and
#      bench/bare-kestrel (a separate app, not in Purple.sln) unless BARE_CMD is given;
#   2. starts purple-node (HTTP only) and bare-kestrel (HTTP/1.1: GET /kv/{key} answers 64
#      constant bytes, PUT /kv/{key} drains the body and answers 204; the same GC and inline-I/O
#      settings as purple-node), each on a free loopback port; both are stopped on exit;
#   3. preloads KEYSPACE (10,000) keys /kv/key:1..N with DSIZE(64)-byte values into both (bare
#      discards them), checks that a GET answers 200 with that value, and warms both up (JIT);
#   4. runs wrk with the same flags against both, ALTERNATING run by run (purple bare purple bare
#      ...), REPS (3) rounds of GET and PUT (random keys of the keyspace) at 50 and 1
#      connections, one wrk thread, SECS (5) s each;
#   5. prints per (connections, test): median rps of each, purple/bare, median p50/p99 of each,
#      server CPU, errors; and whether issue 4's target (GET >= 0.7x bare) is met.
#      OUTDIR gets http.csv, summary.md, env.txt, both servers' logs and the build logs.
#
# env (defaults):
#   REPS=3 TESTS="get put" CONNS="50 1" THREADS=1 (wrk threads) SECS=5 DSIZE=64 KEYSPACE=10000
#   WARMUP=2 (s per test and connection count, per server, before the measured runs)
#   PURPLE_CMD   command that starts the 'purple' side in the foreground; it sees $PORT.
#                Default: Purple.Node/bin/Release/net10.0/purple-node --host 127.0.0.1
#                --resp-port 0 --memcached-port 0 --http-port $PORT --grpc-port 0 $PURPLE_ARGS
#   BARE_CMD     the same for the 'bare' side. Default: bench/bare-kestrel/bin/Release/net10.0/
#                bare-kestrel --host 127.0.0.1 --http-port $PORT --value-size $DSIZE $BARE_ARGS
#                Self-check, bare on both sides (ratios should be ~1.0):
#                PURPLE_CMD='bench/bare-kestrel/bin/Release/net10.0/bare-kestrel --http-port $PORT' bench/http.sh
#   PURPLE_ARGS, BARE_ARGS (e.g. "--inline-io no" for both), BUILD=1 (0: build nothing)
#   READY_TIMEOUT=60; each wrk run is killed after SECS+30 s
#   lib.sh's QUIET_MAX QUIET_WAIT OTHER_MAX RETRIES: runs wait for an idle machine (here at most
#   QUIET_WAIT=30 s) and are retried (RETRIES=1) when other processes used more than OTHER_MAX
#   (20) % of a core. DEADLINE=180: past that many seconds the remaining runs neither wait nor
#   retry, so the whole script stays bounded (about 6.5 minutes at most) on a busy machine.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$DIR/.." && pwd)
OUTDIR=${1:-$DIR/out/http-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
REPS=${REPS:-3} TESTS=${TESTS:-get put} CONNS=${CONNS:-50 1} THREADS=${THREADS:-1} SECS=${SECS:-5}
DSIZE=${DSIZE:-64} KEYSPACE=${KEYSPACE:-10000} WARMUP=${WARMUP:-2} READY_TIMEOUT=${READY_TIMEOUT:-60}
PREFIX=/kv/key:
export THREADS DSIZE KEYSPACE PREFIX
export QUIET_WAIT=${QUIET_WAIT:-30} RETRIES=${RETRIES:-1}; DEADLINE=${DEADLINE:-180}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
for t in wrk curl ss timeout /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (apt-get install wrk curl iproute2 time)" >&2; exit 1; }
done

PURPLE_BIN=$ROOT/Purple.Node/bin/Release/net10.0/purple-node
BARE_BIN=$DIR/bare-kestrel/bin/Release/net10.0/bare-kestrel
BUILD_PURPLE=0 BUILD_BARE=0
if [ -z "${PURPLE_CMD:-}" ]; then
  # shellcheck disable=SC2016  # $PORT is expanded by the bash that starts the server
  PURPLE_CMD="\"$PURPLE_BIN\" --host 127.0.0.1 --resp-port 0 --memcached-port 0 --http-port \$PORT --grpc-port 0 ${PURPLE_ARGS:-}"
  BUILD_PURPLE=${BUILD:-1}
fi
if [ -z "${BARE_CMD:-}" ]; then
  # shellcheck disable=SC2016
  BARE_CMD="\"$BARE_BIN\" --host 127.0.0.1 --http-port \$PORT --value-size $DSIZE ${BARE_ARGS:-}"
  BUILD_BARE=${BUILD:-1}
fi
build() {  # build NAME PROJECT
  echo "== building $1 (Release)" >&2
  (cd "$ROOT" && timeout 600 dotnet build -c Release "$2" -nodeReuse:false >"$OUTDIR/build-$1.log" 2>&1) ||
    { tail -30 "$OUTDIR/build-$1.log" >&2; echo "build of $1 failed (log: $OUTDIR/build-$1.log)" >&2; exit 1; }
}
[ "$BUILD_PURPLE" = 1 ] && build purple Purple.Node
[ "$BUILD_BARE" = 1 ] && build bare-kestrel bench/bare-kestrel

# --- servers -----------------------------------------------------------------
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1$2" 2>/dev/null || true; }

# start LABEL PORT CMD -> sets LAST_PID; CMD runs under bash -c with PORT exported, exec'd so the
# PID is the server's own; up = it answers HTTP at all (a missing key's 404 counts)
start() {
  local label=$1 port=$2 cmd=$3
  PORT=$port bash -c "exec $cmd" </dev/null >"$OUTDIR/$label.log" 2>&1 &
  LAST_PID=$!; PIDS+=("$LAST_PID")
  local deadline=$((SECONDS + READY_TIMEOUT)) code
  while code=$(http_code "$port" "${PREFIX}ready-probe"); [ "${code:-000}" = 000 ]; do
    if ! kill -0 "$LAST_PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "$label did not come up on :$port; its log:" >&2; cat "$OUTDIR/$label.log" >&2; exit 1
    fi
    sleep 0.2
  done
  echo "== $label up on 127.0.0.1:$port (pid $LAST_PID)" >&2
}

A=purple B=bare
A_PORT=$(free_port); B_PORT=$(free_port)
while [ "$B_PORT" = "$A_PORT" ]; do B_PORT=$(free_port); done
start "$A" "$A_PORT" "$PURPLE_CMD"; A_PID=$LAST_PID
start "$B" "$B_PORT" "$BARE_CMD"; B_PID=$LAST_PID
{ echo "date: $(date -u +%FT%TZ)"; echo "host: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown) ($(git -C "$ROOT" status --short 2>/dev/null | wc -l) paths differ from it in the work tree)"
  echo "purple: $PURPLE_CMD"; echo "bare: $BARE_CMD"
  echo "dotnet: $(dotnet --version 2>/dev/null || echo none)"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
  echo "load: REPS=$REPS TESTS='$TESTS' CONNS='$CONNS' THREADS=$THREADS SECS=$SECS DSIZE=$DSIZE KEYSPACE=$KEYSPACE WARMUP=$WARMUP"
} >"$OUTDIR/env.txt"

# --- preload and check ------------------------------------------------------------
# check_get LABEL PORT: a preloaded key must answer 200 with the value; anything else stops the run
check_get() {
  local got
  got=$(curl -sS --max-time 5 -w ' %{http_code}' "http://127.0.0.1:$2${PREFIX}1") ||
    { echo "FAIL: $1: GET ${PREFIX}1 failed" >&2; exit 1; }
  [ "$got" = "$(printf 'x%.0s' $(seq "$DSIZE")) 200" ] ||
    { echo "FAIL: $1: GET ${PREFIX}1 answered '$got', expected 200 with $DSIZE bytes of x (log: $OUTDIR/$1.log)" >&2; exit 1; }
}
for s in "$A:$A_PORT" "$B:$B_PORT"; do
  IFS=: read -r label port <<<"$s"
  echo "== preloading $KEYSPACE keys into $label" >&2
  timeout 120 "$PY" - "$port" "$PREFIX" "$KEYSPACE" "$DSIZE" <<'EOF' || { echo "FAIL: preload of $label (log: $OUTDIR/$label.log)" >&2; exit 1; }
import http.client, sys
port, prefix, n, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
body = b"x" * size
for i in range(1, n + 1):
    c.request("PUT", f"{prefix}{i}", body=body, headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse(); r.read()
    if r.status // 100 != 2:
        sys.exit(f"PUT {prefix}{i} answered {r.status}")
EOF
  check_get "$label" "$port"
done
echo "== warm-up (${WARMUP}s per test and connection count)" >&2
for s in "$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID"; do
  IFS=: read -r label port pid <<<"$s"
  QUIET_MAX=100000 RETRIES=0 SECS=$WARMUP TESTS=$TESTS CONNS=$CONNS SERVER_PID=$pid \
    "$DIR/http-load.sh" "$port" "$label" >/dev/null 2>&1 || echo "WARN: warm-up of $label failed" >&2
done

# --- measured runs, alternating ------------------------------------------------------
CSV=$OUTDIR/http.csv
HEADER=1 TESTS=" " "$DIR/http-load.sh" "$A_PORT" header >"$CSV"   # header line only
for r in $(seq "$REPS"); do
  echo "== round $r/$REPS" >&2
  for t in $TESTS; do for c in $CONNS; do
    if [ $SECONDS -ge "$DEADLINE" ] && [ "$RETRIES" != 0 ]; then
      echo "WARN: past DEADLINE=${DEADLINE}s: remaining runs neither wait for quiet nor retry" >&2
      export RETRIES=0 QUIET_WAIT=0
    fi
    for s in "$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID"; do
      IFS=: read -r label port pid <<<"$s"
      HEADER=0 TESTS=$t CONNS=$c SECS=$SECS SERVER_PID=$pid "$DIR/http-load.sh" "$port" "$label" >>"$CSV"
    done
  done; done
done
for s in "$A:$A_PORT" "$B:$B_PORT"; do check_get "${s%%:*}" "${s#*:}"; done   # still right after the load?

# --- report ----------------------------------------------------------------------
{ echo "HTTP/1.1, wrk $THREADS thread(s), ${SECS}s per run, $DSIZE-byte values over $KEYSPACE keys; config cN-tT = N connections, T wrk threads"
  echo
  "$PY" "$DIR/ab-summary.py" --max-other "${OTHER_MAX:-20}" --target "get::0.7:issue 4, HTTP GET throughput >= 0.7x bare Kestrel" \
    "$CSV" "$A" "$B"
} | tee "$OUTDIR/summary.md"
echo "(CSV and logs in $OUTDIR)" >&2
