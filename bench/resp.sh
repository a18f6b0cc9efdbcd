#!/usr/bin/env bash
# Purple vs Redis (and Garnet, when installed) over RESP on this machine: throughput, p99 and memory per key.
#
# usage: bench/resp.sh [OUTDIR]            (default OUTDIR: bench/out/resp-YYYYmmdd-HHMMSS)
#
# What it does:
#   1. builds Purple (dotnet build -c Release Purple.Node) unless PURPLE_CMD is given;
#   2. starts Purple (RESP only), Debian's redis-server (--save '' --appendonly no) and, when
#      GARNET names an executable, Microsoft's garnet-server (defaults), all on 127.0.0.1 on free
#      ports; all are stopped on exit (SIGTERM, then SIGKILL);
#   3. memory: loads MEM_KEYS (1,000,000) keys `key:N` with DSIZE(64)-byte values into each with
#      `redis-cli --pipe`, and prints VmRSS (/proc/PID/status) before/after and bytes per key;
#   4. throughput: FLUSHALL, a warm-up of every test at every depth (lib.sh's warm_up: WARM_P1=100000
#      requests at -P 1, WARM_PIPE=200000 deeper), then redis-benchmark with the same flags against
#      each, ALTERNATING run by run (purple redis [garnet] purple redis ...), REPS (3) rounds of
#      SET GET INCR SADD MSET at -c 50 -P 1 and -c 50 -P 16, -d 64 -r 100000 --threads 1;
#   5. prints, per (config, test): median rps of each, ratio purple/redis (and purple/garnet),
#      median p99 of each;
#      then the memory table. CSVs (bench/README.md conventions) and summary.md go to OUTDIR.
#
# env (defaults):
#   REPS=3 TESTS="set get incr sadd mset" PIPES="1 16" CLIENTS=50 DSIZE=64 KEYSPACE=100000
#   THREADS=1 N_P1=200000 N_PIPE=2000000 (MSET runs N/4)   MEM=1 (0: skip memory) MEM_KEYS=1000000
#   PURPLE_CMD   command that starts the 'purple' side in the foreground; it sees $PORT.
#                Default: Purple.Node/bin/Release/net10.0/purple-node --host 127.0.0.1
#                --resp-port $PORT --memcached-port 0 --http-port 0 --grpc-port 0
#                e.g. to test this script with Redis on both sides:
#                PURPLE_CMD='redis-server --bind 127.0.0.1 --port $PORT --save "" --appendonly no' bench/resp.sh
#   PURPLE_ARGS  extra flags for the default purple-node command (e.g. "--eviction none")
#   BUILD=1      (0: don't build; default 0 when PURPLE_CMD is set)
#   REDIS_SERVER=redis-server   TIMEOUT=120 (s per benchmark run)   READY_TIMEOUT=60
#   GARNET=~/.cache/purple-tools/garnet-2.2.8/garnet-server (installed by ./test.sh; "" or a
#                missing file: no Garnet side)
#   lib.sh's QUIET_MAX QUIET_WAIT OTHER_MAX RETRIES: runs wait for an idle machine (here at most
#   QUIET_WAIT=60 s) and are retried (RETRIES=2) when other processes used more than OTHER_MAX
#   (20) % of a core. DEADLINE=2400: past that many seconds the remaining runs neither wait
#   nor retry, so the whole script stays bounded even on a busy machine.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$DIR/.." && pwd)
OUTDIR=${1:-$DIR/out/resp-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
REPS=${REPS:-3} TESTS=${TESTS:-set get incr sadd mset} PIPES=${PIPES:-1 16}
CLIENTS=${CLIENTS:-50} DSIZE=${DSIZE:-64} KEYSPACE=${KEYSPACE:-100000} THREADS=${THREADS:-1}
N_P1=${N_P1:-200000} N_PIPE=${N_PIPE:-2000000} MEM=${MEM:-1} MEM_KEYS=${MEM_KEYS:-1000000}
REDIS_SERVER=${REDIS_SERVER:-redis-server} READY_TIMEOUT=${READY_TIMEOUT:-60}
GARNET=${GARNET-$HOME/.cache/purple-tools/garnet-2.2.8/garnet-server}
[ -n "$GARNET" ] && [ ! -x "$GARNET" ] && { echo "note: no Garnet side ($GARNET is not installed; ./test.sh installs it)" >&2; GARNET=""; }
export CLIENTS DSIZE KEYSPACE THREADS N_P1 N_PIPE TIMEOUT=${TIMEOUT:-120}
export QUIET_WAIT=${QUIET_WAIT:-60} RETRIES=${RETRIES:-2}; DEADLINE=${DEADLINE:-2400}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
. "$DIR/lib.sh"   # wait_pong
for t in redis-benchmark redis-cli "$REDIS_SERVER" ss timeout /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (apt-get install redis-server redis-tools time iproute2)" >&2; exit 1; }
done

PURPLE_BIN=$ROOT/Purple.Node/bin/Release/net10.0/purple-node
if [ -z "${PURPLE_CMD:-}" ]; then
  # shellcheck disable=SC2016  # $PORT is expanded by the bash that starts the server
  PURPLE_CMD="\"$PURPLE_BIN\" --host 127.0.0.1 --resp-port \$PORT --memcached-port 0 --http-port 0 --grpc-port 0 ${PURPLE_ARGS:-}"
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
  rm -f "$OUTDIR/mass.resp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start LABEL PORT CMD -> sets LAST_PID; CMD runs under bash -c with PORT exported, exec'd so the
# PID is the server's own
start() {
  local label=$1 port=$2 cmd=$3
  PORT=$port bash -c "exec $cmd" </dev/null >"$OUTDIR/$label.log" 2>&1 &
  LAST_PID=$!; PIDS+=("$LAST_PID")
  wait_pong "$label" "$port" "$LAST_PID" "$OUTDIR/$label.log"
}

A=purple B=redis
A_PORT=$(free_port); B_PORT=$(free_port)
while [ "$B_PORT" = "$A_PORT" ]; do B_PORT=$(free_port); done
start "$A" "$A_PORT" "$PURPLE_CMD"; A_PID=$LAST_PID
start "$B" "$B_PORT" "$REDIS_SERVER --bind 127.0.0.1 --port \$PORT --save '' --appendonly no --dir '$OUTDIR'"; B_PID=$LAST_PID
SIDES=("$A:$A_PORT:$A_PID" "$B:$B_PORT:$B_PID")
C=""
if [ -n "$GARNET" ]; then
  C=garnet; C_PORT=$(free_port)
  while [ "$C_PORT" = "$A_PORT" ] || [ "$C_PORT" = "$B_PORT" ]; do C_PORT=$(free_port); done
  start "$C" "$C_PORT" "'$GARNET' --bind 127.0.0.1 --port \$PORT"; C_PID=$LAST_PID
  SIDES+=("$C:$C_PORT:$C_PID")
fi
{ echo "date: $(date -u +%FT%TZ)"; echo "host: $(nproc) cores, $(uname -r)"
  echo "purple: $PURPLE_CMD"; echo "redis: $($REDIS_SERVER --version)"; echo "redis-benchmark: $(redis-benchmark --version 2>/dev/null || true)"
  [ -n "$C" ] && echo "garnet: $GARNET ($(redis-cli -p "$C_PORT" INFO server | tr -d '\r' | grep '^garnet_version'))"
} >"$OUTDIR/env.txt"

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

# --- memory per key ------------------------------------------------------------
if [ "$MEM" = 1 ]; then
  echo "== generating $MEM_KEYS SET commands with $DSIZE-byte values" >&2
  awk -v n="$MEM_KEYS" -v d="$DSIZE" 'BEGIN {
    v = ""; for (i = 0; i < d; i++) v = v "x"
    for (i = 1; i <= n; i++) { k = "key:" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, d, v } }' >"$OUTDIR/mass.resp"
  echo "label,keys,value_bytes,rss_before_kb,rss_after_kb,bytes_per_key,load_s,dbsize" >"$OUTDIR/memory.csv"
  for s in "${SIDES[@]}"; do
    IFS=: read -r label port pid <<<"$s"
    redis-cli -p "$port" FLUSHALL >/dev/null; sleep 1
    before=$(rss_kb "$pid"); t0=$(date +%s.%N)
    res=$(timeout 600 redis-cli -p "$port" --pipe <"$OUTDIR/mass.resp" | tail -1) || true
    t1=$(date +%s.%N); sleep 2
    after=$(rss_kb "$pid"); n=$(redis-cli -p "$port" DBSIZE)
    [ "$res" = "errors: 0, replies: $MEM_KEYS" ] || echo "WARN: $label load said: $res" >&2
    [ "$n" = "$MEM_KEYS" ] || echo "WARN: $label has $n keys, expected $MEM_KEYS" >&2
    echo "$label,$MEM_KEYS,$DSIZE,$before,$after,$(( (after - before) * 1024 / MEM_KEYS )),$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}'),$n" >>"$OUTDIR/memory.csv"
    redis-cli -p "$port" FLUSHALL >/dev/null
  done
  rm -f "$OUTDIR/mass.resp"
fi

# --- throughput, alternating ----------------------------------------------------
echo "== warm-up" >&2
for s in "${SIDES[@]}"; do
  IFS=: read -r label port pid <<<"$s"
  warm_up "$label" "$port"
done
CSV=$OUTDIR/resp.csv
HEADER=1 TESTS=" " PIPES=1 "$DIR/resp-load.sh" "$A_PORT" header >"$CSV"   # header line only
for r in $(seq "$REPS"); do
  echo "== round $r/$REPS" >&2
  for P in $PIPES; do for t in $TESTS; do
    if [ $SECONDS -ge "$DEADLINE" ] && [ "$RETRIES" != 0 ]; then
      echo "WARN: past DEADLINE=${DEADLINE}s: remaining runs neither wait for quiet nor retry" >&2
      export RETRIES=0 QUIET_WAIT=0
    fi
    for s in "${SIDES[@]}"; do
      IFS=: read -r label port pid <<<"$s"
      HEADER=0 PIPES=$P TESTS=$t SERVER_PID=$pid "$DIR/resp-load.sh" "$port" "$label" >>"$CSV"
    done
  done; done
done

# --- report ----------------------------------------------------------------------
"$DIR/summarize.py" "$CSV" >"$OUTDIR/summary-full.md" || true
"$PY" - "$CSV" "$OUTDIR/memory.csv" "$A" "$B" "${OTHER_MAX:-20}" "$C" <<'EOF' | tee "$OUTDIR/summary.md"
import csv, os, statistics, sys
path, mem, a, b, max_other, c = sys.argv[1:7]
labels = [x for x in (a, b, c) if x]
all_rows = [r for r in csv.DictReader(open(path)) if r["label"] in labels]
# Like summarize.py: drop runs during which other processes used > OTHER_MAX % of a core;
# a (config, test) whose runs were all dropped falls back to all its runs, marked '*'.
quiet = [r for r in all_rows if float(r.get("other_cpu_pct") or 0) <= float(max_other)]
noisy = set()
rows = list(quiet)
for r in all_rows:
    k = (r["config"], r["test"], r["label"])
    if not any((q["config"], q["test"], q["label"]) == k for q in quiet):
        rows.append(r)
        noisy.add(k[:2])
def med(rs, m):
    v = [float(r[m]) for r in rs if r.get(m) not in (None, "", "NA")]
    return statistics.median(v) if v else None
keys = []
for r in rows:
    k = (r["config"], r["test"])
    if k not in keys:
        keys.append(k)
others = [x for x in labels if x != a]
print(f"| config | test | {a} rps | " + " | ".join(f"{o} rps | {a}/{o}" for o in others)
      + f" | {a} p99 ms | " + " | ".join(f"{o} p99 ms" for o in others) + " | runs |")
print("|---|---|---:|" + "---:|---:|" * len(others) + "---:|" + "---:|" * len(others) + "---:|")
f = lambda x, s="{:,.0f}": "" if x is None else s.format(x)
for cfg, t in keys:
    sel = {lab: [r for r in rows if (r["config"], r["test"], r["label"]) == (cfg, t, lab)] for lab in labels}
    xs = {lab: med(rs, "rps") for lab, rs in sel.items()}
    ps = {lab: med(rs, "p99_ms") for lab, rs in sel.items()}
    ratio = lambda o: f"{xs[a] / xs[o]:.2f}" if xs[a] and xs[o] else ""
    star = "*" if (cfg, t) in noisy else ""
    print(f"| {cfg} | {t}{star} | {f(xs[a])} | " + " | ".join(f"{f(xs[o])} | {ratio(o)}" for o in others)
          + f" | {f(ps[a], '{:.3f}')} | " + " | ".join(f(ps[o], '{:.3f}') for o in others)
          + " | " + "/".join(str(len(sel[lab])) for lab in labels) + " |")
if len(quiet) < len(all_rows):
    print(f"\n({len(all_rows) - len(quiet)} of {len(all_rows)} runs had other load > {max_other}% of a core;"
          " dropped where quieter runs of the same row exist, '*' = only noisy runs)")
if os.path.exists(mem):
    m = {r["label"]: r for r in csv.DictReader(open(mem))}
    if m:
        print(f"\n| server | keys | value bytes | RSS before MB | RSS after MB | bytes/key | load s |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, r in m.items():
            print(f"| {label} | {int(r['keys']):,} | {r['value_bytes']} | {int(r['rss_before_kb'])/1024:.1f} "
                  f"| {int(r['rss_after_kb'])/1024:.1f} | {r['bytes_per_key']} | {r['load_s']} |")
        for o in others:
            if a in m and o in m and int(m[o]["bytes_per_key"]) > 0:
                print(f"\nmemory per key {a}/{o}: {int(m[a]['bytes_per_key']) / int(m[o]['bytes_per_key']):.2f}")
EOF
echo "(CSV and logs in $OUTDIR)" >&2
