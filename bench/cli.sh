#!/usr/bin/env bash
# purple bench against redis-benchmark: the same load, from each, on the same running Purple node.
#
# usage: bench/cli.sh [OUTDIR]          (default OUTDIR: bench/out/cli-YYYYmmdd-HHMMSS)
#
# Checks that `purple bench` measures what redis-benchmark measures (issue 6: its figures must agree
# with bench/resp.sh within the machine's noise). Both are clients of ONE Purple node, so a ratio of
# 1.0 means the two load generators agree; on a 2-core machine the client's own CPU use competes with
# the server, so the CPU each client used is printed too.
#   1. builds Purple.Cmd (Release) unless BUILD=0;
#   2. starts `purple serve` (RESP only) on a free loopback port, unless PORT names a running node;
#   3. warms both tools up (JIT of the node and of purple), then, REPS rounds, per (pipeline, test),
#      runs `purple bench -o json` and `redis-benchmark --csv` with the same -c -n -P -d -r -t,
#      ALTERNATING which goes first from round to round;
#   4. prints per (config, test): median ops/s of each, purple/redis-benchmark, median p99 of each,
#      and each client's CPU (% of one core). CSV and summary.md go to OUTDIR.
#   With SELFCHECK=1 (the default) each round also runs redis-benchmark a second time ("redis-benchmark-again",
#   its place in the order rotating with the others), and the summary gives redis-benchmark against itself: the
#   spread two runs of the SAME tool show on this machine, which is the noise purple/redis-benchmark is read against.
#
# env (defaults): SELFCHECK=1 THREADS=1 (redis-benchmark --threads, as bench/resp.sh runs it; purple bench has one loop thread) REPS=3 TESTS="set get incr sadd" PIPES="1 16" CLIENTS=50 DSIZE=64 KEYSPACE=100000
#   N_P1=100000 N_PIPE=500000 PORT (a running node on 127.0.0.1) BUILD=1 TIMEOUT=120 (s per run)
#   PURPLE (default Purple.Cmd/bin/Release/net10.0/purple) READY_TIMEOUT=60
#   lib.sh's QUIET_MAX QUIET_WAIT OTHER_MAX RETRIES (here QUIET_WAIT=20 RETRIES=1: bounded on a busy box)
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$DIR/.." && pwd)
OUTDIR=${1:-$DIR/out/cli-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
REPS=${REPS:-3} TESTS=${TESTS:-set get incr sadd} PIPES=${PIPES:-1 16} CLIENTS=${CLIENTS:-50}
DSIZE=${DSIZE:-64} KEYSPACE=${KEYSPACE:-100000} THREADS=${THREADS:-1} N_P1=${N_P1:-100000} N_PIPE=${N_PIPE:-500000}
READY_TIMEOUT=${READY_TIMEOUT:-60} PURPLE=${PURPLE:-$ROOT/Purple.Cmd/bin/Release/net10.0/purple}
export TIMEOUT=${TIMEOUT:-120} QUIET_WAIT=${QUIET_WAIT:-20} RETRIES=${RETRIES:-1}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
. "$DIR/lib.sh"
for t in redis-benchmark redis-cli ss timeout /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (apt-get install redis-tools time iproute2)" >&2; exit 1; }
done
if [ "${BUILD:-1}" = 1 ]; then
  echo "== building Purple.Cmd (Release)" >&2
  (cd "$ROOT" && timeout 600 dotnet build -c Release Purple.Cmd -nodeReuse:false >"$OUTDIR/build.log" 2>&1) ||
    { tail -30 "$OUTDIR/build.log" >&2; echo "build failed (log: $OUTDIR/build.log)" >&2; exit 1; }
fi

NODE_PID=""
cleanup() {
  [ -n "$NODE_PID" ] || return 0
  kill -TERM "$NODE_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$NODE_PID" 2>/dev/null || true
  wait "$NODE_PID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${PORT:-}" ]; then
  PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$PURPLE" serve --host 127.0.0.1 --resp-port "$PORT" --memcached-port 0 --http-port 0 --grpc-port 0 \
    </dev/null >"$OUTDIR/node.log" 2>&1 &
  NODE_PID=$!
  wait_pong "purple serve" "$PORT" "$NODE_PID" "$OUTDIR/node.log"
fi
SRV=${NODE_PID:-$(pid_of_port "$PORT")}
{ echo "date: $(date -u +%FT%TZ)"; echo "host: $(nproc) cores, $(uname -r)"; echo "node: 127.0.0.1:$PORT (pid $SRV)"
  echo "redis-benchmark: $(redis-benchmark --version)"; echo "purple: $("$PURPLE" --version)"; } >"$OUTDIR/env.txt"

echo "== warm-up" >&2
T=${TESTS// /,}
"$PURPLE" bench -p "$PORT" -c "$CLIENTS" -n 50000 -P 16 -d "$DSIZE" -r "$KEYSPACE" -t "$T" -o json >/dev/null 2>>"$OUTDIR/stderr.log" ||
  echo "WARN: purple bench warm-up failed (see $OUTDIR/stderr.log)" >&2
redis-benchmark -p "$PORT" -c "$CLIENTS" -n 50000 -P 16 -d "$DSIZE" -r "$KEYSPACE" -t "$T" -q >/dev/null 2>&1 ||
  echo "WARN: redis-benchmark warm-up failed" >&2

CSV=$OUTDIR/cli.csv
echo "tool,config,test,n,rps,p50_ms,p99_ms,errors,wall_s,srv_cpu_pct,cli_cpu_pct,other_cpu_pct" >"$CSV"
run() {  # run TOOL P TEST N -> one CSV row
  local tool=$1 p=$2 t=$3 n=$4 row
  local label=$tool
  [ "$tool" = redis-benchmark-again ] && tool=redis-benchmark
  if [ "$tool" = purple ]; then
    measure "$SRV" "$PURPLE" bench -p "$PORT" -c "$CLIENTS" -n "$n" -P "$p" -d "$DSIZE" -r "$KEYSPACE" -t "$t" -o json 2>>"$OUTDIR/stderr.log"
    row=$("$PY" -c 'import json,sys; r=json.loads(sys.argv[1])["tests"][0]; l=r["latencyMs"]
print(",".join(str(x) for x in (r["opsPerSecond"], l["p50"], l["p99"], r["errors"])))' "$OUT") || row="NA,NA,NA,NA"
  else
    measure "$SRV" redis-benchmark -p "$PORT" -c "$CLIENTS" -n "$n" -P "$p" -d "$DSIZE" -r "$KEYSPACE" --threads "$THREADS" -t "$t" -q --csv 2>>"$OUTDIR/stderr.log"
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    row=$(tail -1 <<<"$OUT" | tr -d '"' | awk -F, '{print $2 "," $5 "," $7 ",NA"}')
  fi
  echo "$label,c$CLIENTS-P$p,$t,$n,$row,$WALL,$SRV_CPU,$CLI_CPU,$OTHER_CPU" | tee -a "$CSV" >&2
}
for r in $(seq "$REPS"); do
  echo "== round $r/$REPS" >&2
  if [ "${SELFCHECK:-1}" = 1 ]; then
    case $((r % 3)) in
      1) order="purple redis-benchmark redis-benchmark-again" ;;
      2) order="redis-benchmark redis-benchmark-again purple" ;;
      0) order="redis-benchmark-again purple redis-benchmark" ;;
    esac
  else
    order="purple redis-benchmark"; [ $((r % 2)) = 0 ] && order="redis-benchmark purple"
  fi
  for P in $PIPES; do for t in $TESTS; do
    n=$N_PIPE; [ "$P" = 1 ] && n=$N_P1
    for tool in $order; do run "$tool" "$P" "$t" "$n"; done
  done; done
done

"$PY" - "$CSV" <<'EOF_PY' | tee "$OUTDIR/summary.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(rs, m):
    v = [float(r[m]) for r in rs if r[m] not in ("", "NA")]
    return statistics.median(v) if v else None
keys = []
for r in rows:
    if (r["config"], r["test"]) not in keys:
        keys.append((r["config"], r["test"]))
selfcheck = any(r["tool"] == "redis-benchmark-again" for r in rows)
print("| config | test | purple bench ops/s | redis-benchmark ops/s | purple/redis-benchmark |" + (" redis-benchmark/itself |" if selfcheck else "")
      + " p99 ms (purple / redis-benchmark) | client CPU % (purple / redis-benchmark) | errors |")
print("|---|---|---:|---:|---:|" + ("---:|" if selfcheck else "") + "---:|---:|---:|")
ratios, selfratios = [], []
for c, t in keys:
    a = [r for r in rows if (r["config"], r["test"], r["tool"]) == (c, t, "purple")]
    b = [r for r in rows if (r["config"], r["test"], r["tool"]) == (c, t, "redis-benchmark")]
    xa, xb = med(a, "rps"), med(b, "rps")
    f = lambda x, s="{:,.0f}": "" if x is None else s.format(x)
    ratio = xa / xb if xa and xb else None
    if ratio: ratios.append(ratio)
    errors = sum(int(r["errors"]) for r in a if r["errors"] not in ("", "NA"))
    own = ""
    if selfcheck:
        xc = med([r for r in rows if (r["config"], r["test"], r["tool"]) == (c, t, "redis-benchmark-again")], "rps")
        self_ratio = xc / xb if xc and xb else None
        if self_ratio: selfratios.append(self_ratio)
        own = f" {f(self_ratio, '{:.2f}')} |"
    print(f"| {c} | {t} | {f(xa)} | {f(xb)} | {f(ratio, '{:.2f}')} |{own} {f(med(a, 'p99_ms'), '{:.3f}')} / {f(med(b, 'p99_ms'), '{:.3f}')} "
          f"| {f(med(a, 'cli_cpu_pct'))} / {f(med(b, 'cli_cpu_pct'))} | {errors} |")
if ratios:
    print(f"\nmedian purple/redis-benchmark over {len(ratios)} rows: {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}-{max(ratios):.2f}); runs per row: {len(rows) // max(1, (3 if selfcheck else 2) * len(keys))} per tool")
if selfratios:
    print(f"redis-benchmark against itself over {len(selfratios)} rows: median {statistics.median(selfratios):.2f} "
          f"(range {min(selfratios):.2f}-{max(selfratios):.2f}): the machine's noise for this run")
EOF_PY
echo "(CSV and logs in $OUTDIR)" >&2
