#!/usr/bin/env bash
# Run the interop suites against Debian's real redis-server (7.0) instead of Purple, to prove
# that their expectations are Redis's. Starts redis-server on a free 127.0.0.1 port
# (--save '' --appendonly no), runs pytest + redis_cli.sh with PURPLE_TARGET=redis, stops it.
# The memcached suites are not run here (see against-memcached.sh; the mixed file needs Purple), nor
# test_differential.py, whose reference is a redis-server of its own.
# usage: tests/interop/against-redis.sh [pytest args...]
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TMP=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do [ "$(redis-cli -p "$PORT" PING 2>/dev/null)" = PONG ] && break; sleep 0.1; done
echo "== $(redis-server --version | cut -d' ' -f1-3) on 127.0.0.1:$PORT"
export PURPLE_HOST=127.0.0.1 PURPLE_RESP_PORT=$PORT PURPLE_TARGET=redis
"$PY" -m pytest "$DIR" -q -p no:cacheprovider --ignore="$DIR/memcached" \
  --ignore="$DIR/test_memcached_mixed.py" --ignore="$DIR/test_grpc.py" --ignore="$DIR/test_grpc_compat.py" \
  --ignore="$DIR/test_grpc_reflection.py" --ignore="$DIR/test_auth_protocols.py" \
  --ignore="$DIR/test_tls.py" --ignore="$DIR/test_differential.py" "$@" </dev/null; rc1=$?
"$DIR/redis_cli.sh" "$PORT" </dev/null | grep -v '^PASS '; rc2=${PIPESTATUS[0]}
[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
