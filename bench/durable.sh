#!/usr/bin/env bash
# Durable Purple vs Redis with an append-only file: write throughput per fsync policy, and recovery time.
#
# usage: bench/durable.sh [OUTDIR]         (default OUTDIR: bench/out/durable-YYYYmmdd-HHMMSS)
#
# What it does:
#   1. builds Purple (dotnet build -c Release Purple.Node) unless BUILD=0;
#   2. throughput: starts, for each fsync policy in MODES, Purple (--storage sqlite --fsync P, its data dir
#      under OUTDIR/tmp) and Debian's redis-server (--appendonly yes --appendfsync P --save '', its own --dir
#      under OUTDIR/tmp), all on 127.0.0.1 on free ports in PORTS; warms each up (every test at every depth:
#      lib.sh's warm_up, WARM_P1=100000 requests at -P 1, WARM_PIPE=200000 deeper), then REPS rounds of
#      redis-benchmark (via resp-load.sh: TESTS = SET INCR at -c CLIENTS -P 1 and -P 16, -d 64 -r 100000),
#      ALTERNATING run by run (purple redis purple redis ..., every mode in every round), and prints per
#      (fsync, config, test) the median rps of each, Purple/Redis, and median p99 of each;
#   3. recovery: per server, a fresh data dir, RECOVERY_KEYS (1,000,000) keys `key:N` with DSIZE-byte values
#      loaded with `redis-cli --pipe` (under everysec), everything written to the OS (Purple: INFO
#      purple_journal_written = purple_journal_position; Redis: aof_pending_bio_fsync 0), then SIGKILL; then
#      REC_REPS (3) times: start the server and time until it answers PING (Redis answers LOADING while it
#      loads) with DBSIZE = RECOVERY_KEYS, then SIGKILL again. Two cases:
#        journal   Purple: journal replay only (--snapshot-min-journal 10GB: no snapshot is ever taken);
#                  Redis: the AOF as written (auto-aof-rewrite-percentage 0: no rewrite, so no RDB base);
#        snapshot  Purple: after SAVE (recovery loads the snapshot; the journal rows it covers are skipped);
#                  Redis: after BGREWRITEAOF (the AOF base becomes an RDB preamble, what Redis loads at start);
#      prints the median seconds of each, Redis/Purple (above 1: Purple recovers faster), and Purple's own
#      purple_recovery_ms (from INFO: the replay itself, without process start-up).
#   Servers are stopped on exit (SIGTERM, then SIGKILL), data dirs removed (KEEP=1 keeps them).
#
# env (defaults):
#   MODES="everysec always" REPS=3 TESTS="set incr" PIPES="1 16" CLIENTS=50 DSIZE=64 KEYSPACE=100000
#   THREADS=1 N_P1=100000 N_PIPE=1000000 (requests per run; always at -P 1 runs N_P1/2)
#   RECOVERY=1 (0: skip) RECOVERY_KEYS=1000000 REC_REPS=3   THROUGHPUT=1 (0: skip)
#   PORTS=16450-16499 (where the servers listen)   BUILD=1   REDIS_SERVER=redis-server
#   TIMEOUT=180 (s per benchmark run) READY_TIMEOUT=120 (s for a start, recovery included)
#   lib.sh's QUIET_MAX QUIET_WAIT(60 here) OTHER_MAX RETRIES(2 here) WARM_P1 WARM_PIPE; DEADLINE=2400 as in resp.sh.
#   A quick check of the script: N_P1=20000 N_PIPE=200000 REPS=1 RECOVERY_KEYS=100000 REC_REPS=1 bench/durable.sh
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$DIR/.." && pwd)
OUTDIR=${1:-$DIR/out/durable-$(date +%Y%m%d-%H%M%S)}; mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
MODES=${MODES:-everysec always} REPS=${REPS:-3} TESTS=${TESTS:-set incr} PIPES=${PIPES:-1 16}
CLIENTS=${CLIENTS:-50} DSIZE=${DSIZE:-64} KEYSPACE=${KEYSPACE:-100000} THREADS=${THREADS:-1}
N_P1=${N_P1:-100000} N_PIPE=${N_PIPE:-1000000}
RECOVERY=${RECOVERY:-1} RECOVERY_KEYS=${RECOVERY_KEYS:-1000000} REC_REPS=${REC_REPS:-3} THROUGHPUT=${THROUGHPUT:-1}
PORTS=${PORTS:-16450-16499} REDIS_SERVER=${REDIS_SERVER:-redis-server} READY_TIMEOUT=${READY_TIMEOUT:-120}
export CLIENTS DSIZE KEYSPACE THREADS TIMEOUT=${TIMEOUT:-180} READY_TIMEOUT
export QUIET_WAIT=${QUIET_WAIT:-60} RETRIES=${RETRIES:-2}; DEADLINE=${DEADLINE:-2400}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
. "$DIR/lib.sh"   # measure, wait_pong
for t in redis-benchmark redis-cli "$REDIS_SERVER" ss timeout /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (apt-get install redis-server redis-tools time iproute2)" >&2; exit 1; }
done
PURPLE_BIN=$ROOT/Purple.Node/bin/Release/net10.0/purple-node
if [ "${BUILD:-1}" = 1 ]; then
  echo "== building Purple (Release)" >&2
  (cd "$ROOT" && timeout 600 dotnet build -c Release Purple.Node -nodeReuse:false >"$OUTDIR/build.log" 2>&1) ||
    { tail -30 "$OUTDIR/build.log" >&2; echo "build failed (log: $OUTDIR/build.log)" >&2; exit 1; }
fi
[ -x "$PURPLE_BIN" ] || { echo "no $PURPLE_BIN (build it, or BUILD=1)" >&2; exit 1; }
TMP=$(mktemp -d "$OUTDIR/tmp.XXXXXX")

# --- servers -----------------------------------------------------------------
PIDS=()
# stop_pid PID [KILL]: SIGTERM (or SIGKILL), wait for it. Its stderr goes to /dev/null, so bash's own
# "PID Killed  bash -c ..." notice (printed whenever it reaps the killed job) does not clutter the output.
stop_pid() {
  local pid=$1 sig=${2:-TERM}
  kill -"$sig" "$pid" || true
  for _ in $(seq 300); do kill -0 "$pid" || break; sleep 0.1; done
  kill -KILL "$pid" || true
  wait "$pid" || true
} 2>/dev/null
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -f "$OUTDIR/mass.resp"
  if [ "${KEEP:-0}" = 1 ]; then echo "(data dirs kept in $TMP)" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

USED_PORTS=" "
free_port() {  # FREE_PORT = a port of PORTS nobody listens on (and none handed out before by this script)
  local p
  p=$("$PY" - "$PORTS" "$USED_PORTS" <<'EOF'
import random, socket, sys
lo, _, hi = sys.argv[1].partition("-")
used = set(sys.argv[2].split())
ports = [p for p in range(int(lo), int(hi or lo) + 1) if str(p) not in used]
random.shuffle(ports)
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
  )
  [ -n "$p" ] || { echo "no free port in $PORTS" >&2; exit 1; }
  USED_PORTS+="$p "
  FREE_PORT=$p
}

purple_cmd() {  # purple_cmd PORT DATADIR FSYNC [EXTRA...]
  local port=$1 dir=$2 fsync=$3; shift 3
  echo "\"$PURPLE_BIN\" --host 127.0.0.1 --resp-port $port --memcached-port 0 --http-port 0 --grpc-port 0 --storage sqlite --data-dir \"$dir\" --fsync $fsync $*"
}
redis_cmd() {  # redis_cmd PORT DIR FSYNC [EXTRA...]
  local port=$1 dir=$2 fsync=$3; shift 3
  echo "$REDIS_SERVER --bind 127.0.0.1 --port $port --save '' --appendonly yes --appendfsync $fsync --dir \"$dir\" $*"
}

# start LABEL PORT CMD -> LAST_PID (the server's own PID: the command is exec'd)
start() {
  local label=$1 port=$2 cmd=$3
  bash -c "exec $cmd" </dev/null >>"$OUTDIR/$label.log" 2>&1 &
  LAST_PID=$!; PIDS+=("$LAST_PID")
  wait_pong "$label" "$port" "$LAST_PID" "$OUTDIR/$label.log"
}
forget() { local p=$1 i; for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$p" ] && unset 'PIDS[i]'; done; PIDS=("${PIDS[@]}"); }

{ echo "date: $(date -u +%FT%TZ)"; echo "host: $(nproc) cores, $(uname -r), $(df -h "$TMP" | awk 'NR==2{print $1" "$6}')"
  echo "purple: $(purple_cmd PORT DIR FSYNC)"; echo "redis: $($REDIS_SERVER --version)"
  echo "redis-benchmark: $(redis-benchmark --version 2>/dev/null || true)"
} >"$OUTDIR/env.txt"

info_field() { redis-cli -p "$1" INFO persistence | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }

# --- throughput ----------------------------------------------------------------
CSV=$OUTDIR/durable.csv
if [ "$THROUGHPUT" = 1 ]; then
  SERVERS=()   # "label:port:pid:mode"
  for mode in $MODES; do
    free_port; p=$FREE_PORT; mkdir -p "$TMP/purple-$mode"
    start "purple-$mode" "$p" "$(purple_cmd "$p" "$TMP/purple-$mode" "$mode")"; SERVERS+=("purple:$p:$LAST_PID:$mode")
    free_port; p=$FREE_PORT; mkdir -p "$TMP/redis-$mode"
    start "redis-$mode" "$p" "$(redis_cmd "$p" "$TMP/redis-$mode" "$mode")"; SERVERS+=("redis:$p:$LAST_PID:$mode")
  done
  echo "== warm-up" >&2
  for s in "${SERVERS[@]}"; do
    IFS=: read -r label port pid mode <<<"$s"
    warm_up "$label-$mode" "$port"
  done
  HEADER=1 TESTS=" " PIPES=1 SERVER_PID=none "$DIR/resp-load.sh" 1 header >"$CSV"   # header line only
  for r in $(seq "$REPS"); do
    echo "== round $r/$REPS" >&2
    for mode in $MODES; do for P in $PIPES; do for t in $TESTS; do
      if [ $SECONDS -ge "$DEADLINE" ] && [ "$RETRIES" != 0 ]; then
        echo "WARN: past DEADLINE=${DEADLINE}s: remaining runs neither wait for quiet nor retry" >&2
        export RETRIES=0 QUIET_WAIT=0
      fi
      n1=$N_P1; [ "$mode" = always ] && n1=$((N_P1 / 2))   # fsync per group commit: slow at -P 1
      for s in "${SERVERS[@]}"; do
        IFS=: read -r label port pid smode <<<"$s"
        [ "$smode" = "$mode" ] || continue
        # the config column says which fsync policy: everysec-c50-P1-thr1
        HEADER=0 PIPES=$P TESTS=$t N_P1=$n1 N_PIPE=$N_PIPE SERVER_PID=$pid "$DIR/resp-load.sh" "$port" "$label" |
          awk -F, -v OFS=, -v m="$mode" '{ $2 = m "-" $2; print }' >>"$CSV"
      done
    done; done; done
  done
  for s in "${SERVERS[@]}"; do
    IFS=: read -r label port pid mode <<<"$s"
    echo "$label-$mode: $(redis-cli -p "$port" INFO persistence | tr -d '\r' |
      grep -E '^(purple_journal_(commits|fsyncs|bytes)|rdb_saves|aof_rewrites|aof_current_size|aof_delayed_fsync):' | tr '\n' ' ')" >>"$OUTDIR/env.txt"
    stop_pid "$pid"; forget "$pid"
  done
fi

# --- recovery ------------------------------------------------------------------
REC=$OUTDIR/recovery.csv
echo "label,case,keys,rep,seconds,dbsize,purple_recovery_ms,files_mb" >"$REC"
if [ "$RECOVERY" = 1 ]; then
  echo "== generating $RECOVERY_KEYS SET commands with $DSIZE-byte values" >&2
  awk -v n="$RECOVERY_KEYS" -v d="$DSIZE" 'BEGIN {
    v = ""; for (i = 0; i < d; i++) v = v "x"
    for (i = 1; i <= n; i++) { k = "key:" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, d, v } }' >"$OUTDIR/mass.resp"

  now() { date +%s.%N; }

  # pong PORT : true once a PING there gets +PONG. Bash's own /dev/tcp, not redis-cli: starting a process every 10 ms
  # takes a good part of a core, which on a 2-core machine slowed Purple's recovery (a reader and an applier thread)
  # by ~1 s in 3 s, and Redis's single-threaded load hardly at all.
  pong() {
    local line=""
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    read -r -t 2 line <&3 || true
    exec 3>&-
    [ "${line%$'\r'}" = "+PONG" ]
  }

  # recover LABEL CASE DIR CMD-with-@PORT@ : REC_REPS timed starts of a killed server on DIR
  recover() {
    local label=$1 case=$2 dir=$3 cmd=$4 rep port pid t0 t1 n ms mb
    for rep in $(seq "$REC_REPS"); do
      free_port; port=$FREE_PORT
      t0=$(now)
      bash -c "exec ${cmd//@PORT@/$port}" </dev/null >>"$OUTDIR/$label-$case-recovery.log" 2>&1 &
      pid=$!; PIDS+=("$pid")
      local deadline=$((SECONDS + READY_TIMEOUT))
      until pong "$port"; do
        if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
          echo "$label ($case) did not come back on :$port; its log:" >&2; tail -20 "$OUTDIR/$label-$case-recovery.log" >&2; exit 1
        fi
        sleep 0.01
      done
      t1=$(now)
      n=$(redis-cli -p "$port" DBSIZE)
      [ "$n" = "$RECOVERY_KEYS" ] || echo "WARN: $label ($case) came back with $n keys, expected $RECOVERY_KEYS" >&2
      ms=NA; [ "$label" = purple ] && ms=$(info_field "$port" purple_recovery_ms)
      mb=$(du -sm "$dir" | cut -f1)
      echo "$label,$case,$RECOVERY_KEYS,$rep,$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}'),$n,$ms,$mb" >>"$REC"
      stop_pid "$pid" KILL; forget "$pid"
    done
  }

  # load LABEL PORT : the mass insert, checked
  load() {
    local res n
    res=$(timeout 900 redis-cli -p "$2" --pipe <"$OUTDIR/mass.resp" | tail -1) || true
    n=$(redis-cli -p "$2" DBSIZE)
    [ "$res" = "errors: 0, replies: $RECOVERY_KEYS" ] && [ "$n" = "$RECOVERY_KEYS" ] ||
      { echo "$1: load said '$res', DBSIZE $n (expected $RECOVERY_KEYS)" >&2; exit 1; }
  }

  for case in journal snapshot; do
    # Purple
    dir=$TMP/rec-purple-$case; rm -rf "$dir"; mkdir -p "$dir"
    free_port; p=$FREE_PORT
    start "purple-rec-$case" "$p" "$(purple_cmd "$p" "$dir" everysec --snapshot-min-journal 10GB)"; pid=$LAST_PID
    echo "== purple ($case): loading $RECOVERY_KEYS keys" >&2
    load purple "$p"
    [ "$case" = snapshot ] && redis-cli -p "$p" SAVE >/dev/null
    for _ in $(seq 600); do   # every record written to the file (the OS has it: a SIGKILL cannot lose it)
      [ "$(info_field "$p" purple_journal_written)" = "$(info_field "$p" purple_journal_position)" ] && break; sleep 0.1
    done
    echo "purple-$case before the kill: $(redis-cli -p "$p" INFO persistence | tr -d '\r' |
      grep -E '^purple_(journal_position|journal_written|journal_bytes|snapshot_position|snapshot_keys):' | tr '\n' ' ')" >>"$OUTDIR/env.txt"
    stop_pid "$pid" KILL; forget "$pid"
    echo "== purple ($case): $REC_REPS timed restarts" >&2
    recover purple "$case" "$dir" "$(purple_cmd @PORT@ "$dir" everysec --snapshot-min-journal 10GB)"

    # Redis
    dir=$TMP/rec-redis-$case; rm -rf "$dir"; mkdir -p "$dir"
    free_port; p=$FREE_PORT
    start "redis-rec-$case" "$p" "$(redis_cmd "$p" "$dir" everysec --auto-aof-rewrite-percentage 0)"; pid=$LAST_PID
    echo "== redis ($case): loading $RECOVERY_KEYS keys" >&2
    load redis "$p"
    if [ "$case" = snapshot ]; then
      redis-cli -p "$p" BGREWRITEAOF >/dev/null
      for _ in $(seq 1200); do
        [ "$(info_field "$p" aof_rewrite_in_progress)" = 0 ] && [ "$(info_field "$p" aof_rewrite_scheduled)" = 0 ] && break; sleep 0.1
      done
    fi
    for _ in $(seq 50); do [ "$(info_field "$p" aof_pending_bio_fsync)" = 0 ] && break; sleep 0.1; done
    sleep 1   # everysec: let the background fsync of the last second run (the kill does not need it, the OS has the bytes)
    echo "redis-$case before the kill: $(ls -l "$dir"/appendonlydir | tail -n +2 | awk '{print $NF" "$5}' | tr '\n' ' ')" >>"$OUTDIR/env.txt"
    stop_pid "$pid" KILL; forget "$pid"
    echo "== redis ($case): $REC_REPS timed restarts" >&2
    recover redis "$case" "$dir" "$(redis_cmd @PORT@ "$dir" everysec --auto-aof-rewrite-percentage 0)"
    rm -rf "$TMP/rec-purple-$case" "$TMP/rec-redis-$case"
  done
  rm -f "$OUTDIR/mass.resp"
fi

# --- report ----------------------------------------------------------------------
"$PY" - "$CSV" "$REC" "${OTHER_MAX:-20}" <<'EOF' | tee "$OUTDIR/summary.md"
import csv, os, statistics, sys
path, rec, max_other = sys.argv[1:4]
def med(rs, m):
    v = [float(r[m]) for r in rs if r.get(m) not in (None, "", "NA")]
    return statistics.median(v) if v else None
f = lambda x, s="{:,.0f}": "" if x is None else s.format(x)
if os.path.exists(path):
    all_rows = list(csv.DictReader(open(path)))
    # like resp.sh: runs during which other processes used > OTHER_MAX % of a core are dropped where the same
    # row has quieter runs; a row with only noisy runs keeps them, marked '*'
    quiet = [r for r in all_rows if float(r.get("other_cpu_pct") or 0) <= float(max_other)]
    rows, noisy = list(quiet), set()
    for r in all_rows:
        k = (r["config"], r["test"], r["label"])
        if not any((q["config"], q["test"], q["label"]) == k for q in quiet):
            rows.append(r); noisy.add(k[:2])
    keys = []   # in the order they ran
    for r in all_rows:
        if (r["config"], r["test"]) not in keys: keys.append((r["config"], r["test"]))
    if keys:
        print("| fsync | config | test | purple rps | redis rps | purple/redis | purple p99 ms | redis p99 ms | runs |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for c, t in keys:
        ra = [r for r in rows if (r["config"], r["test"], r["label"]) == (c, t, "purple")]
        rb = [r for r in rows if (r["config"], r["test"], r["label"]) == (c, t, "redis")]
        xa, xb = med(ra, "rps"), med(rb, "rps")
        ratio = f"{xa / xb:.2f}" if xa and xb else ""
        mode, _, cfg = c.partition("-")
        star = "*" if (c, t) in noisy else ""
        print(f"| {mode} | {cfg} | {t}{star} | {f(xa)} | {f(xb)} | {ratio} | {f(med(ra, 'p99_ms'), '{:.3f}')} "
              f"| {f(med(rb, 'p99_ms'), '{:.3f}')} | {len(ra)}/{len(rb)} |")
    if len(quiet) < len(all_rows):
        print(f"\n({len(all_rows) - len(quiet)} of {len(all_rows)} runs had other load > {max_other}% of a core;"
              " dropped where quieter runs of the same row exist, '*' = only noisy runs)")
rows = list(csv.DictReader(open(rec)))
if rows:
    print("\nRecovery: process start until PING answers with every key loaded (median of the restarts)\n")
    print("| case | keys | purple s | redis s | redis/purple | purple_recovery_ms | files MB purple / redis | runs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for case in ("journal", "snapshot"):
        ra = [r for r in rows if r["case"] == case and r["label"] == "purple"]
        rb = [r for r in rows if r["case"] == case and r["label"] == "redis"]
        if not ra and not rb: continue
        xa, xb = med(ra, "seconds"), med(rb, "seconds")
        ratio = f"{xb / xa:.2f}" if xa and xb else ""
        keys = int((ra or rb)[0]["keys"])
        print(f"| {case} | {keys:,} | {f(xa, '{:.2f}')} | {f(xb, '{:.2f}')} | {ratio} | {f(med(ra, 'purple_recovery_ms'))} "
              f"| {f(med(ra, 'files_mb'))} / {f(med(rb, 'files_mb'))} | {len(ra)}/{len(rb)} |")
    bad = [r for r in rows if r["dbsize"] != r["keys"]]
    if bad:
        print(f"\nWARNING: {len(bad)} restarts came back with the wrong number of keys: " +
              ", ".join(f"{r['label']} {r['case']} #{r['rep']}: {r['dbsize']}" for r in bad))
EOF
echo "(CSV and logs in $OUTDIR)" >&2
