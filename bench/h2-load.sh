#!/usr/bin/env bash
# gRPC unary load over h2c (HTTP/2 prior knowledge) with h2load: one timed run per config.
# Adapted from the shared kit's h2.sh: POSTs DATA (an already gRPC-framed message: 1 flag byte,
# 4-byte big-endian length, protobuf) to PATH_ with content-type application/grpc and te: trailers,
# and takes p50/p90/p99 from h2load's per-request log (h2load itself prints only mean/sd).
# h2load sees HTTP status only: a gRPC error (HTTP 200 + grpc-status != 0 trailer) still counts
# as 2xx, so the caller must check a sample call's grpc-status (grpc.sh does, before and after).
# usage: h2-load.sh [-h HOST] PORT [LABEL]        -> CSV on stdout
# env (defaults): DATA (required: the request file) PATH_=/purple.v1.Purple/KvGet TEST=kvget
#   CONFIGS="50:1 4:32" (connections:max concurrent streams per connection) THREADS=1 SECS=5
#   SERVER_PID (default: whoever listens on PORT locally) HEADER=1
# errors = requests done but not answered 2xx, or failed+errored+timed out if more (h2load's counts).
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); . "$DIR/lib.sh"
HOST=127.0.0.1; if [ "${1:-}" = -h ]; then HOST=$2; shift 2; fi
PORT=${1:?usage: h2-load.sh [-h HOST] PORT [LABEL]}; LABEL=${2:-$PORT}
DATA=${DATA:?DATA= the gRPC-framed request file} PATH_=${PATH_:-/purple.v1.Purple/KvGet} TEST=${TEST:-kvget}
CONFIGS=${CONFIGS:-50:1 4:32} THREADS=${THREADS:-1} SECS=${SECS:-5}
PID=${SERVER_PID:-$(pid_of_port "$PORT")}
log=$(mktemp); trap 'rm -f "$log"' EXIT

[ "${HEADER:-1}" = 1 ] && echo "label,config,test,requests,secs,rps,mean_ms,p50_ms,p90_ms,p99_ms,max_ms,errors,wall_s,srv_cpu_pct,cli_cpu_pct,other_cpu_pct,steal_pct"
for cfg in $CONFIGS; do
  IFS=: read -r c m <<<"$cfg"
  th=$THREADS; [ "$c" -lt "$th" ] && th=$c
  : >"$log"
  TIMEOUT=$((SECS + 30)) measure "$PID" h2load -c "$c" -m "$m" -t "$th" -D "$SECS" --log-file="$log" \
    -d "$DATA" -H 'content-type: application/grpc' -H 'te: trailers' "http://$HOST:$PORT$PATH_"
  rps=$(grep -oE '[0-9.]+ req/s' <<<"$OUT" | cut -d' ' -f1 || true)
  secs=$(awk '/^finished in/ { s = $3; sub(/s,$/, "", s); print s }' <<<"$OUT")
  # requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout
  read -r done_ failed < <(awk '/^requests:/ { print $6, $10 + $12 + $14 }' <<<"$OUT") || true
  ok=$(awk '/^status codes:/ { print $3 }' <<<"$OUT")
  mean=$(awk '/^time for request:/ { v = $6; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
    print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' <<<"$OUT")
  # per-request log: start_us <TAB> status <TAB> duration_us
  pcts=$(cut -f3 "$log" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print ",,,"; exit }
    q = "50 90 99"; split(q, p, " ")
    for (i = 1; i <= 3; i++) { k = int(NR * p[i] / 100 + 0.999999); if (k < 1) k = 1; printf "%.3f,", v[k] / 1000 }
    printf "%.3f\n", v[NR] / 1000 }')
  [ -n "$rps" ] || { echo "WARN: no h2load report for $LABEL $cfg" >&2; rps=0 secs=0 done_=0 ok=0 failed=1; }
  errs=$(( ${done_:-0} - ${ok:-0} )); [ "${failed:-0}" -gt "$errs" ] && errs=${failed:-0}
  echo "$LABEL,c${c}-m${m}-t${th},$TEST,${done_:-0},${secs:-0},$rps,${mean:-},$pcts,$errs,$WALL,$SRV_CPU,$CLI_CPU,$OTHER_CPU,$STEAL"
done
