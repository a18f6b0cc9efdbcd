#!/usr/bin/env bash
# HTTP/1.1 key/value load with wrk (keep-alive): one timed run per (test, connection count).
# Adapted from the shared kit's http.sh: requests spread over a keyspace (a Lua script
# pre-formats one request per key in each wrk thread and picks keys at random), GET and PUT.
# usage: http-load.sh [-h HOST] PORT [LABEL]        -> CSV on stdout
# env (defaults): TESTS="get put" CONNS="50 1" THREADS=1 SECS=5 DSIZE=64 KEYSPACE=10000
#   PREFIX=/kv/key:  (keys are PREFIX1 .. PREFIX$KEYSPACE; get expects them preloaded)
#   SERVER_PID (default: whoever listens on PORT locally) HEADER=1
# test get = GET PREFIX<n>; put = PUT PREFIX<n> with a DSIZE-byte body of 'x' (application/octet-stream).
# errors = non-2xx/3xx answers + socket errors (connect, read, write, timeout) as wrk counts them.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd); . "$DIR/lib.sh"
HOST=127.0.0.1; if [ "${1:-}" = -h ]; then HOST=$2; shift 2; fi
PORT=${1:?usage: http-load.sh [-h HOST] PORT [LABEL]}; LABEL=${2:-$PORT}
TESTS=${TESTS:-get put} CONNS=${CONNS:-50 1} THREADS=${THREADS:-1} SECS=${SECS:-5}
DSIZE=${DSIZE:-64} KEYSPACE=${KEYSPACE:-10000} PREFIX=${PREFIX:-/kv/key:}
PID=${SERVER_PID:-$(pid_of_port "$PORT")}
lua=$(mktemp --suffix=.lua); trap 'rm -f "$lua"' EXIT

[ "${HEADER:-1}" = 1 ] && echo "label,config,test,requests,secs,rps,p50_ms,p90_ms,p99_ms,max_ms,errors,wall_s,srv_cpu_pct,cli_cpu_pct,other_cpu_pct,steal_pct"
for t in $TESTS; do
  case $t in
    get) method=GET body=nil ;;
    put) method=PUT body="string.rep(\"x\", $DSIZE)" ;;
    *) echo "http-load.sh: unknown test $t (get, put)" >&2; exit 2 ;;
  esac
  cat >"$lua" <<LUA
local n, method, prefix, body = $KEYSPACE, "$method", "$PREFIX", $body
local headers = body and { ["Content-Type"] = "application/octet-stream" } or nil
local reqs, seq = {}, 0
function setup(thread) seq = seq + 1; thread:set("seed", seq) end
function init(args)
  math.randomseed(7919 * (seed or 1))
  for i = 1, n do reqs[i] = wrk.format(method, prefix .. i, headers, body) end
end
function request() return reqs[math.random(n)] end
LUA
  for c in $CONNS; do
    th=$THREADS; [ "$c" -lt "$th" ] && th=$c   # wrk needs connections >= threads
    TIMEOUT=$((SECS + 30)) measure "$PID" wrk -t "$th" -c "$c" -d "${SECS}s" --latency -s "$lua" "http://$HOST:$PORT"
    ms() { awk -v p="$1" '$1 == p { v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
      print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : u == "m" ? v * 60000 : v) }' <<<"$OUT"; }
    max=$(awk '$1 == "Latency" && NF >= 4 { print "max", $4 }' <<<"$OUT" | awk '{ v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
      print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : u == "m" ? v * 60000 : v) }')
    read -r reqs secs < <(awk '/ requests in / { s = $4; sub(/s,$/, "", s); print $1, s }' <<<"$OUT") || true
    rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$OUT")
    errs=$(awk '/^ *Non-2xx or 3xx responses:/ { e += $NF } /^ *Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
      END { print e + 0 }' <<<"$OUT")
    # wrk died before its report (e.g. connection refused): keep the run, as all errors
    [ -n "$rps" ] || { echo "WARN: no wrk report for $LABEL $t c$c" >&2; rps=0 reqs=0 secs=0 errs=1; }
    echo "$LABEL,c${c}-t${th},$t,${reqs:-0},${secs:-0},$rps,$(ms 50%),$(ms 90%),$(ms 99%),${max:-},$errs,$WALL,$SRV_CPU,$CLI_CPU,$OTHER_CPU,$STEAL"
  done
done
