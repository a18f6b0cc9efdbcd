#!/usr/bin/env bash
# RESP throughput with redis-benchmark: one run per (pipeline depth, command).
# usage: resp-load.sh [-h HOST] PORT [LABEL]        -> CSV on stdout
# env (defaults): TESTS="set get incr sadd mset" PIPES="1 16" CLIENTS=50 DSIZE=64
#   KEYSPACE=100000 THREADS=1 N_P1=300000 N_PIPE=4000000 (mset runs N/4)
#   SERVER_PID (default: whoever listens on PORT locally) HEADER=1
set -euo pipefail
. "$(dirname "$0")/lib.sh"
HOST=127.0.0.1; if [ "${1:-}" = -h ]; then HOST=$2; shift 2; fi
PORT=${1:?usage: resp-load.sh [-h HOST] PORT [LABEL]}; LABEL=${2:-$PORT}
TESTS=${TESTS:-set get incr sadd mset} PIPES=${PIPES:-1 16} CLIENTS=${CLIENTS:-50}
DSIZE=${DSIZE:-64} KEYSPACE=${KEYSPACE:-100000} THREADS=${THREADS:-1}
N_P1=${N_P1:-300000} N_PIPE=${N_PIPE:-4000000}
PID=${SERVER_PID:-$(pid_of_port "$PORT")}

[ "${HEADER:-1}" = 1 ] && echo "label,config,test,n,rps,avg_ms,min_ms,p50_ms,p95_ms,p99_ms,max_ms,wall_s,srv_cpu_pct,cli_cpu_pct,other_cpu_pct,steal_pct"
for P in $PIPES; do
  for t in $TESTS; do
    n=$N_PIPE; [ "$P" = 1 ] && n=$N_P1; [ "$t" = mset ] && n=$((n / 4))
    measure "$PID" redis-benchmark -h "$HOST" -p "$PORT" -c "$CLIENTS" -P "$P" -n "$n" -d "$DSIZE" \
      -r "$KEYSPACE" --threads "$THREADS" -t "$t" -q --csv
    row=$(tail -1 <<<"$OUT" | tr -d '"' | cut -d, -f2-)
    echo "$LABEL,c${CLIENTS}-P${P}-thr${THREADS},$t,$n,$row,$WALL,$SRV_CPU,$CLI_CPU,$OTHER_CPU,$STEAL"
  done
done
