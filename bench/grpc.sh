#!/usr/bin/env bash
# Purple's gRPC (h2c) vs a bare Kestrel HTTP/2 endpoint on this machine: unary throughput and
# latency (h2load).
#
# usage: bench/grpc.sh [OUTDIR]            (default OUTDIR: bench/out/grpc-YYYYmmdd-HHMMSS)
#
# What it does:
#   1. builds Purple (dotnet build -c Release Purple.Node) unless PURPLE_CMD is given, and
#      bench/bare-kestrel (a separate app, not in Purple.sln) unless BARE_CMD is given;
#   2. starts purple-node (gRPC only) and bare-kestrel (an HTTP/2-only listener that answers any
#      POST with one constant gRPC message, the same bytes as purple.v1's ValueResponse for a
#      64-byte value, and the trailer grpc-status: 0; the same GC and inline-I/O settings as
#      purple-node), each on a free loopback port; both are stopped on exit;
#   3. stores KEY (key:1) with a DSIZE(64)-byte value through purple.v1.Purple/KvPut, then calls
#      purple.v1.Purple/KvGet once on each with curl and stops unless the answer is HTTP 200,
#      grpc-status 0 and exactly the expected ValueResponse (h2load counts HTTP statuses only, and
#      a gRPC error is an HTTP 200 too); warms both up (JIT);
#   4. runs h2load with the same flags against both, ALTERNATING run by run (purple bare purple
#      bare ...), REPS (3) rounds of CONFIGS = "50:1 4:32 1:1" (connections:concurrent streams per
#      connection: 50 one-call-at-a-time clients, 4 channels multiplexing 32 calls each, one
#      client), one h2load thread, SECS (5) s each, every call a KvGet of KEY; checks a sample
#      call again afterwards;
#   5. prints per config: median calls/s of each, purple/bare, median p50/p99 of each (from
#      h2load's per-request log), server CPU, errors; and whether issue 4's target (gRPC unary >=
#      0.6x bare HTTP/2) is met. OUTDIR gets grpc.csv, summary.md, env.txt, the request and
#      expected-response files, both servers' logs and the build logs.
#
# env (defaults):
#   REPS=3 CONFIGS="50:1 4:32 1:1" THREADS=1 (h2load threads) SECS=5 DSIZE=64 KEY=key:1
#   WARMUP=2 (s per config, per server, before the measured runs)
#   PURPLE_CMD   command that starts the 'purple' side in the foreground; it sees $PORT.
#                Default: Purple.Node/bin/Release/net10.0/purple-node --host 127.0.0.1
#                --resp-port 0 --memcached-port 0 --http-port 0 --grpc-port $PORT $PURPLE_ARGS
#   BARE_CMD     the same for the 'bare' side. Default: bench/bare-kestrel/bin/Release/net10.0/
#                bare-kestrel --host 127.0.0.1 --h2-port $PORT --value-size $DSIZE $BARE_ARGS
#                Self-check, bare on both sides (ratios should be ~1.0):
#                PURPLE_CMD='bench/bare-kestrel/bin/Release/net10.0/bare-kestrel --h2-port $PORT' bench/grpc.sh
#   PURPLE_ARGS, BARE_ARGS (e.g. "--inline-io no" for both), BUILD=1 (0: build nothing)
#   READY_TIMEOUT=60; each h2load run is killed after SECS+30 s
#   lib.sh's QUIET_MAX QUIET_WAIT OTHER_MAX RETRIES: runs wait for an idle machine (here at most
#   QUIET_WAIT=30 s) and are retried (RETRIES=1) when other processes used more than OTHER_MAX
#   (20) % of a core. DEADLINE=180: past that many seconds the remaining runs neither wait nor
#   retry, so the whole script stays bounded (about 6.5 minutes at most) on a busy machine.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$DIR/.." && pwd)
OUTDIR=${1:-$DIR/out/grpc-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
REPS=${REPS:-3} CONFIGS=${CONFIGS:-50:1 4:32 1:1} THREADS=${THREADS:-1} SECS=${SECS:-5}
DSIZE=${DSIZE:-64} KEY=${KEY:-key:1} WARMUP=${WARMUP:-2} READY_TIMEOUT=${READY_TIMEOUT:-60}
GET_PATH=/purple.v1.Purple/KvGet PUT_PATH=/purple.v1.Purple/KvPut
export THREADS
export QUIET_WAIT=${QUIET_WAIT:-30} RETRIES=${RETRIES:-1}; DEADLINE=${DEADLINE:-180}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
for t in h2load curl ss timeout /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (apt-get install nghttp2-client curl iproute2 time)" >&2; exit 1; }
done

PURPLE_BIN=$ROOT/Purple.Node/bin/Release/net10.0/purple-node
BARE_BIN=$DIR/bare-kestrel/bin/Release/net10.0/bare-kestrel
BUILD_PURPLE=0 BUILD_BARE=0
if [ -z "${PURPLE_CMD:-}" ]; then
  # shellcheck disable=SC2016  # $PORT is expanded by the bash that starts the server
  PURPLE_CMD="\"$PURPLE_BIN\" --host 127.0.0.1 --resp-port 0 --memcached-port 0 --http-port 0 --grpc-port \$PORT ${PURPLE_ARGS:-}"
  BUILD_PURPLE=${BUILD:-1}
fi
if [ -z "${BARE_CMD:-}" ]; then
  # shellcheck disable=SC2016
  BARE_CMD="\"$BARE_BIN\" --host 127.0.0.1 --h2-port \$PORT --value-size $DSIZE ${BARE_ARGS:-}"
  BUILD_BARE=${BUILD:-1}
fi
build() {  # build NAME PROJECT
  echo "== building $1 (Release)" >&2
  (cd "$ROOT" && timeout 600 dotnet build -c Release "$2" -nodeReuse:false >"$OUTDIR/build-$1.log" 2>&1) ||
    { tail -30 "$OUTDIR/build-$1.log" >&2; echo "build of $1 failed (log: $OUTDIR/build-$1.log)" >&2; exit 1; }
}
[ "$BUILD_PURPLE" = 1 ] && build purple Purple.Node
[ "$BUILD_BARE" = 1 ] && build bare-kestrel bench/bare-kestrel

# --- messages: gRPC frames (flag 0, 4-byte big-endian length, protobuf), encoded by hand ----
# KeyRequest{key=1}, KvPutRequest{key=1, value=2, content_type=3}, ValueResponse{value=1, content_type=2}
"$PY" - "$OUTDIR" "$KEY" "$DSIZE" <<'EOF'
import struct, sys
out, key, size = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
def varint(n):
    b = bytearray()
    while True:
        b.append((n & 0x7F) | (0x80 if n > 0x7F else 0)); n >>= 7
        if not n: return bytes(b)
def field(no, data): return varint(no << 3 | 2) + varint(len(data)) + data
def frame(msg): return b"\0" + struct.pack(">I", len(msg)) + msg
value, ctype = b"x" * size, b"application/octet-stream"
for name, msg in (("kvget-request.bin", field(1, key)),
                  ("kvput-request.bin", field(1, key) + field(2, value) + field(3, ctype)),
                  ("kvget-expected.bin", field(1, value) + field(2, ctype))):
    open(f"{out}/{name}", "wb").write(frame(msg))
EOF
REQ=$OUTDIR/kvget-request.bin

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
  rm -f "$OUTDIR/call.headers" "$OUTDIR/call.body"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# grpc_call PORT PATH REQUEST_FILE -> HTTP status on stdout; headers and trailers (curl -D dumps
# both) in OUTDIR/call.headers, the body in OUTDIR/call.body
grpc_call() {
  curl -s --max-time 5 --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
    --data-binary @"$3" -D "$OUTDIR/call.headers" -o "$OUTDIR/call.body" -w '%{http_code}' \
    "http://127.0.0.1:$1$2" 2>/dev/null || true
}
grpc_status() { tr -d '\r' <"$OUTDIR/call.headers" | awk -F': *' 'tolower($1) == "grpc-status" { s = $2 } END { print s }'; }

# start LABEL PORT CMD -> sets LAST_PID; up = a gRPC call gets HTTP 200 (whatever its grpc-status)
start() {
  local label=$1 port=$2 cmd=$3
  PORT=$port bash -c "exec $cmd" </dev/null >"$OUTDIR/$label.log" 2>&1 &
  LAST_PID=$!; PIDS+=("$LAST_PID")
  local deadline=$((SECONDS + READY_TIMEOUT))
  until [ "$(grpc_call "$port" "$GET_PATH" "$REQ")" = 200 ]; do
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
  echo "h2load: $(h2load --version 2>&1 | head -1)"; echo "curl: $(curl --version | head -1)"
  echo "load: $GET_PATH of '$KEY' ($DSIZE-byte value) REPS=$REPS CONFIGS='$CONFIGS' THREADS=$THREADS SECS=$SECS WARMUP=$WARMUP"
} >"$OUTDIR/env.txt"

# --- store, check ------------------------------------------------------------------
# check_call LABEL PORT PATH REQUEST [EXPECTED_BODY]: HTTP 200, grpc-status 0 (and the body), or stop
check_call() {
  local code status
  code=$(grpc_call "$2" "$3" "$4"); status=$(grpc_status)
  if [ "$code" != 200 ] || [ "$status" != 0 ] || { [ -n "${5:-}" ] && ! cmp -s "$OUTDIR/call.body" "$5"; }; then
    echo "FAIL: $1: $3 answered HTTP ${code:-none}, grpc-status '${status:-none}' (expected 200 and 0${5:+ and the $(stat -c %s "$5")-byte ValueResponse in $5}):" >&2
    cat "$OUTDIR/call.headers" >&2 2>/dev/null || true; od -An -c "$OUTDIR/call.body" 2>/dev/null | head -5 >&2 || true
    echo "h2load would have counted this as a success. Server log: $OUTDIR/$1.log" >&2
    exit 1
  fi
}
for s in "$A:$A_PORT" "$B:$B_PORT"; do
  IFS=: read -r label port <<<"$s"
  check_call "$label" "$port" "$PUT_PATH" "$OUTDIR/kvput-request.bin"
  check_call "$label" "$port" "$GET_PATH" "$REQ" "$OUTDIR/kvget-expected.bin"
  echo "== $label: KvPut and KvGet of '$KEY' answer grpc-status 0 with the expected message" >&2
done
echo "== warm-up (${WARMUP}s per config)" >&2
for s in "$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID"; do
  IFS=: read -r label port pid <<<"$s"
  QUIET_MAX=100000 RETRIES=0 SECS=$WARMUP CONFIGS=$CONFIGS DATA=$REQ PATH_=$GET_PATH SERVER_PID=$pid \
    "$DIR/h2-load.sh" "$port" "$label" >/dev/null 2>&1 || echo "WARN: warm-up of $label failed" >&2
done

# --- measured runs, alternating ------------------------------------------------------
CSV=$OUTDIR/grpc.csv
HEADER=1 CONFIGS=" " DATA=$REQ "$DIR/h2-load.sh" "$A_PORT" header >"$CSV"   # header line only
for r in $(seq "$REPS"); do
  echo "== round $r/$REPS" >&2
  for cfg in $CONFIGS; do
    if [ $SECONDS -ge "$DEADLINE" ] && [ "$RETRIES" != 0 ]; then
      echo "WARN: past DEADLINE=${DEADLINE}s: remaining runs neither wait for quiet nor retry" >&2
      export RETRIES=0 QUIET_WAIT=0
    fi
    for s in "$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID"; do
      IFS=: read -r label port pid <<<"$s"
      HEADER=0 CONFIGS=$cfg SECS=$SECS DATA=$REQ PATH_=$GET_PATH SERVER_PID=$pid "$DIR/h2-load.sh" "$port" "$label" >>"$CSV"
    done
  done
done
for s in "$A:$A_PORT" "$B:$B_PORT"; do   # still right after the load?
  check_call "${s%%:*}" "${s#*:}" "$GET_PATH" "$REQ" "$OUTDIR/kvget-expected.bin"
done

# --- report ----------------------------------------------------------------------
{ echo "gRPC unary $GET_PATH over h2c, h2load $THREADS thread(s), ${SECS}s per run, $DSIZE-byte value;"
  echo "config cN-mM-tT = N connections, M concurrent calls (streams) per connection, T h2load threads"
  echo
  "$PY" "$DIR/ab-summary.py" --max-other "${OTHER_MAX:-20}" --target "kvget::0.6:issue 4, gRPC unary >= 0.6x bare HTTP/2" \
    "$CSV" "$A" "$B"
} | tee "$OUTDIR/summary.md"
echo "(CSV and logs in $OUTDIR)" >&2
