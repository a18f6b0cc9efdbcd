#!/usr/bin/env bash
# Purple vs memcached over the memcached text protocol on this machine: throughput and p99.
#
# usage: bench/memcache.sh [OUTDIR]        (default OUTDIR: bench/out/memcache-YYYYmmdd-HHMMSS)
#
# What it does:
#   1. builds Purple (dotnet build -c Release Purple.Node) unless PURPLE_CMD is given;
#   2. starts Purple (memcached listener only) and Debian's memcached (-t 2), both on 127.0.0.1
#      on free ports, and waits until each answers `version`; both are stopped on exit
#      (SIGTERM, then SIGKILL);
#   3. preloads the keyspace (KEYSPACE keys `key:%012d`, DSIZE-byte values) into each, noting
#      VmRSS before/after, then warms both up (Purple has a JIT) with every config for WARMUP s;
#   4. runs mcbench (bench/mcbench.c; it checks every reply) with the same flags against both,
#      ALTERNATING run by run (purple memcached purple memcached ...), REPS (3) rounds of CONFIGS
#      "mode:depth[:keys_per_get]" = set:1 get:1 set:16 get:16 mget:1:10, i.e. set/get without
#      and with pipelining (16 deep) and 10-key multi-gets, 50 connections, SECS (6) s each;
#      then, when MEMASLAP=1, memaslap's 90/10 get/set mix as an independent cross-check;
#   5. prints, per (config, test): median ops/s of each (and keys/s for multi-get), the ratio
#      purple/memcached, median p99 and server CPU of each, and errors (wrong or missing replies)
#      of each; then the RSS table. OUTDIR gets memcache.csv, memaslap.csv, memory.csv,
#      summary.md, summary-full.md (all columns), env.txt and both servers' logs.
#
# env (defaults):
#   REPS=3 CONFIGS="set:1 get:1 set:16 get:16 mget:1:10" CLIENTS=50 SECS=6 DSIZE=64
#   KEYSPACE=100000 WARMUP=2 (s per config and server)
#   MEMASLAP=1 (0: skip)  MIXES="get90set10:0.1:0.9" (memaslap-load.sh's "name:set:get" shares)
#   PURPLE_CMD   command that starts the 'purple' side in the foreground; it sees $PORT.
#                Default: Purple.Node/bin/Release/net10.0/purple-node --host 127.0.0.1
#                --resp-port 0 --memcached-port $PORT --http-port 0 --grpc-port 0
#                e.g. to test this script with memcached on both sides:
#                PURPLE_CMD='memcached -u $(id -un) -U 0 -l 127.0.0.1 -p $PORT -t 2 -m 1024 -c 1024' bench/memcache.sh
#   PURPLE_ARGS  extra flags for the default purple-node command (e.g. "--shards 4")
#   BUILD=1      (0: don't build; default 0 when PURPLE_CMD is set)
#   MEMCACHED=memcached  MC_THREADS=2  MC_MEM=1024 (MB)  MC_CONNS=1024
#   READY_TIMEOUT=60
#   lib.sh's QUIET_MAX QUIET_WAIT OTHER_MAX RETRIES: runs wait for an idle machine (here at most
#   QUIET_WAIT=60 s) and are retried (RETRIES=2) when other processes used more than OTHER_MAX
#   (20) % of a core. DEADLINE=900: past that many seconds the remaining runs neither wait
#   nor retry, so the whole script stays bounded even on a busy machine. Each run is killed
#   after SECS+30 s (timeout).
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$DIR/.." && pwd)
OUTDIR=${1:-$DIR/out/memcache-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
REPS=${REPS:-3} CONFIGS=${CONFIGS:-set:1 get:1 set:16 get:16 mget:1:10} WARMUP=${WARMUP:-2}
MEMASLAP=${MEMASLAP:-1} MIXES=${MIXES:-get90set10:0.1:0.9}
MEMCACHED=${MEMCACHED:-memcached} MC_THREADS=${MC_THREADS:-2} MC_MEM=${MC_MEM:-1024} MC_CONNS=${MC_CONNS:-1024}
READY_TIMEOUT=${READY_TIMEOUT:-60}
export CLIENTS=${CLIENTS:-50} DSIZE=${DSIZE:-64} KEYSPACE=${KEYSPACE:-100000} SECS=${SECS:-6}
export QUIET_WAIT=${QUIET_WAIT:-60} RETRIES=${RETRIES:-2}; DEADLINE=${DEADLINE:-900}
export MCBENCH=$OUTDIR/mcbench
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
for t in "$MEMCACHED" cc ss timeout /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (apt-get install memcached gcc iproute2 time)" >&2; exit 1; }
done
if [ "$MEMASLAP" = 1 ] && ! command -v memcaslap >/dev/null; then
  echo "WARN: no memcaslap (apt-get install libmemcached-tools): skipping the memaslap cross-check" >&2; MEMASLAP=0
fi
cc -O2 -o "$MCBENCH" "$DIR/mcbench.c"

PURPLE_BIN=$ROOT/Purple.Node/bin/Release/net10.0/purple-node
if [ -z "${PURPLE_CMD:-}" ]; then
  # shellcheck disable=SC2016  # $PORT is expanded by the bash that starts the server
  PURPLE_CMD="\"$PURPLE_BIN\" --host 127.0.0.1 --resp-port 0 --memcached-port \$PORT --http-port 0 --grpc-port 0 ${PURPLE_ARGS:-}"
  BUILD=${BUILD:-1}
fi
if [ "${BUILD:-0}" = 1 ]; then
  echo "== building Purple (Release)" >&2
  (cd "$ROOT" && timeout 600 dotnet build -c Release Purple.Node -nodeReuse:false >"$OUTDIR/build.log" 2>&1) ||
    { tail -30 "$OUTDIR/build.log" >&2; echo "build failed (log: $OUTDIR/build.log)" >&2; exit 1; }
fi

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

# mc_version PORT -> the server's answer to `version` (e.g. "VERSION 1.6.18"), empty if none in 2 s
mc_version() {
  # shellcheck disable=SC2016  # $0/$l belong to the inner bash
  { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && printf "version\r\n" >&3 && IFS= read -r l <&3 && echo "$l"' "$1" 2>/dev/null || true; } | tr -d '\r'
}

# start LABEL PORT CMD -> sets LAST_PID; CMD runs under bash -c with PORT exported, exec'd so the
# PID is the server's own
start() {
  local label=$1 port=$2 cmd=$3
  PORT=$port bash -c "exec $cmd" </dev/null >"$OUTDIR/$label.log" 2>&1 &
  LAST_PID=$!; PIDS+=("$LAST_PID")
  local deadline=$((SECONDS + READY_TIMEOUT))
  until [[ "$(mc_version "$port")" == "VERSION "* ]]; do
    if ! kill -0 "$LAST_PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "$label did not come up on :$port; its log:" >&2; cat "$OUTDIR/$label.log" >&2; exit 1
    fi
    sleep 0.2
  done
  echo "== $label up on 127.0.0.1:$port (pid $LAST_PID): $(mc_version "$port")" >&2
}

A=purple B=memcached
A_PORT=$(free_port); B_PORT=$(free_port)
while [ "$B_PORT" = "$A_PORT" ]; do B_PORT=$(free_port); done
start "$A" "$A_PORT" "$PURPLE_CMD"; A_PID=$LAST_PID
# -u: memcached refuses to run as root without it (and ignores it otherwise)
start "$B" "$B_PORT" "$MEMCACHED -u $(id -un) -U 0 -l 127.0.0.1 -p \$PORT -t $MC_THREADS -m $MC_MEM -c $MC_CONNS"; B_PID=$LAST_PID
{ echo "date: $(date -u +%FT%TZ)"; echo "host: $(nproc) cores, $(uname -r)"
  echo "commit: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "purple: $PURPLE_CMD"; echo "purple version: $(mc_version "$A_PORT")"
  echo "memcached: $MEMCACHED -U 0 -t $MC_THREADS -m $MC_MEM -c $MC_CONNS ($($MEMCACHED -V))"
  echo "load: mcbench (bench/mcbench.c) CONFIGS='$CONFIGS' CLIENTS=$CLIENTS SECS=$SECS DSIZE=$DSIZE KEYSPACE=$KEYSPACE REPS=$REPS"
  [ "$MEMASLAP" = 1 ] && echo "memaslap: $(memcaslap -V 2>&1 | head -1) MIXES='$MIXES'"
  echo "cc: $(cc --version | head -1)"
} >"$OUTDIR/env.txt"

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

# --- preload (with RSS) and warm-up ---------------------------------------------
echo "label,keys,value_bytes,rss_before_kb,rss_after_kb,bytes_per_key,load_s" >"$OUTDIR/memory.csv"
for s in "$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID"; do
  IFS=: read -r label port pid <<<"$s"
  echo "== preloading $KEYSPACE keys into $label, then warm-up" >&2
  before=$(rss_kb "$pid"); t0=$(date +%s.%N)
  timeout 120 "$MCBENCH" -p "$port" -d "$DSIZE" -k "$KEYSPACE" -L -t 0 -c 1 >/dev/null ||
    { echo "preload of $label failed (its log: $OUTDIR/$label.log)" >&2; exit 1; }
  t1=$(date +%s.%N); sleep 2; after=$(rss_kb "$pid")
  echo "$label,$KEYSPACE,$DSIZE,$before,$after,$(( (after - before) * 1024 / KEYSPACE )),$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')" >>"$OUTDIR/memory.csv"
  for cfg in $CONFIGS; do
    IFS=: read -r mode depth keys <<<"$cfg"
    timeout $((WARMUP + 30)) "$MCBENCH" -p "$port" -d "$DSIZE" -k "$KEYSPACE" -m "$mode" -P "$depth" -g "${keys:-1}" \
      -c "$CLIENTS" -t "$WARMUP" >/dev/null || echo "WARN: warm-up $cfg of $label failed" >&2
  done
done

# --- measured runs, alternating ------------------------------------------------------
CSV=$OUTDIR/memcache.csv MSCSV=$OUTDIR/memaslap.csv
HEADER=1 CONFIGS=" " PRELOAD=0 "$DIR/memcache-load.sh" "$A_PORT" header >"$CSV"   # header line only
[ "$MEMASLAP" = 1 ] && HEADER=1 MIXES=" " "$DIR/memaslap-load.sh" "$A_PORT" header >"$MSCSV"
past_deadline() {
  if [ $SECONDS -ge "$DEADLINE" ] && [ "$RETRIES" != 0 ]; then
    echo "WARN: past DEADLINE=${DEADLINE}s: remaining runs neither wait for quiet nor retry" >&2
    export RETRIES=0 QUIET_WAIT=0
  fi
}
for r in $(seq "$REPS"); do
  echo "== round $r/$REPS" >&2
  for cfg in $CONFIGS; do
    past_deadline
    for s in "$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID"; do
      IFS=: read -r label port pid <<<"$s"
      HEADER=0 PRELOAD=0 CONFIGS=$cfg SERVER_PID=$pid "$DIR/memcache-load.sh" "$port" "$label" >>"$CSV"
    done
  done
  if [ "$MEMASLAP" = 1 ]; then
    for mix in $MIXES; do
      past_deadline
      for s in "$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID"; do
        IFS=: read -r label port pid <<<"$s"
        HEADER=0 MIXES=$mix SERVER_PID=$pid "$DIR/memaslap-load.sh" "$port" "$label" >>"$MSCSV"
      done
    done
  fi
done
for s in "$A:$A_PORT" "$B:$B_PORT"; do   # still serving?
  IFS=: read -r label port <<<"$s"
  [[ "$(mc_version "$port")" == "VERSION "* ]] || echo "WARN: $label no longer answers version (log: $OUTDIR/$label.log)" >&2
done

# --- report ----------------------------------------------------------------------
csvs=("$CSV"); [ "$MEMASLAP" = 1 ] && csvs+=("$MSCSV")
"$DIR/summarize.py" "${csvs[@]}" >"$OUTDIR/summary-full.md" || true
{ "$DIR/summarize.py" --pair "$A/$B" --max-other "${OTHER_MAX:-20}" "${csvs[@]}"
  "$PY" - "$OUTDIR/memory.csv" "$A" "$B" <<'EOF'
import csv, sys
mem, a, b = sys.argv[1:4]
m = {r["label"]: r for r in csv.DictReader(open(mem))}
if m:
    print(f"\nRSS around the preload (small keyspace: a rough figure, use resp.sh's memory part for per-key costs)\n")
    print("| server | keys | value bytes | RSS before MB | RSS after MB | bytes/key | load s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in m.items():
        print(f"| {label} | {int(r['keys']):,} | {r['value_bytes']} | {int(r['rss_before_kb'])/1024:.1f} "
              f"| {int(r['rss_after_kb'])/1024:.1f} | {r['bytes_per_key']} | {r['load_s']} |")
EOF
} | tee "$OUTDIR/summary.md"
echo "(CSV and logs in $OUTDIR)" >&2
