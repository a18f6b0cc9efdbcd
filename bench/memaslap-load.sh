#!/usr/bin/env bash
# Cross-check with libmemcached-tools' memaslap (Debian name: memcaslap), an independent client:
# MIXES of "name set_share get_share". 64 B values, 16 B keys, 50 conns x 2k window = ~100k keys.
# TPS counts every op, including memaslap's own preload sets, so there is no clean get-only run;
# memaslap does not check replies (mcbench does).
# usage: memaslap-load.sh [-h HOST] PORT [LABEL]        -> CSV on stdout
# env (defaults): MIXES="set:1.0:0.0 get90set10:0.1:0.9" SECS=6 CLIENTS=50 SERVER_PID HEADER=1
set -euo pipefail
. "$(dirname "$0")/lib.sh"
HOST=127.0.0.1; if [ "${1:-}" = -h ]; then HOST=$2; shift 2; fi
PORT=${1:?usage: memaslap-load.sh [-h HOST] PORT [LABEL]}; LABEL=${2:-$PORT}
SECS=${SECS:-6} CLIENTS=${CLIENTS:-50} MIXES=${MIXES:-set:1.0:0.0 get90set10:0.1:0.9}
PID=${SERVER_PID:-$(pid_of_port "$PORT")}
cfg=$(mktemp); trap 'rm -f "$cfg"' EXIT
[ "${HEADER:-1}" = 1 ] && echo "label,config,test,ops,tps,cmd_get,cmd_set,get_misses,wall_s,srv_cpu_pct,cli_cpu_pct,other_cpu_pct,steal_pct"
for mix in $MIXES; do
  IFS=: read -r name setp getp <<<"$mix"
  printf 'key\n16 16 1\nvalue\n64 64 1\ncmd\n0 %s\n1 %s\n' "$setp" "$getp" >"$cfg"
  TIMEOUT=$((SECS + 30)) measure "$PID" memcaslap -s "$HOST:$PORT" -T 1 -c "$CLIENTS" -w 2k -t "${SECS}s" -F "$cfg"
  f() { grep -m1 "^$1" <<<"$OUT" | grep -o '[0-9]*' | head -1; }
  ops=$(grep -o 'Ops: [0-9]*' <<<"$OUT" | cut -d' ' -f2); tps=$(grep -o 'TPS: [0-9]*' <<<"$OUT" | cut -d' ' -f2)
  echo "$LABEL,c$CLIENTS-T1,memaslap-$name,$ops,$tps,$(f cmd_get),$(f cmd_set),$(f get_misses),$WALL,$SRV_CPU,$CLI_CPU,$OTHER_CPU,$STEAL"
done
