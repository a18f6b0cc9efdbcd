#!/usr/bin/env bash
# Run the memcached interop suites against Debian's real memcached (1.6.18) instead of Purple, to
# prove that their expectations are memcached's. Starts `memcached -U 0 -l 127.0.0.1 -p PORT -t 2`
# on a free port, runs pytest over tests/interop/memcached (not test_memcached_mixed.py, which
# needs Purple's RESP side too) and memcached_tools.sh, then stops it.
# usage: tests/interop/against-memcached.sh [pytest args...]
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
command -v memcached >/dev/null || { echo "!! memcached is not installed (apt-get install memcached)" >&2; exit 1; }
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TMP=$(mktemp -d)
USER_OPT=()
[ "$(id -u)" -eq 0 ] && USER_OPT=(-u nobody)          # memcached refuses to run as root
memcached -U 0 -l 127.0.0.1 -p "$PORT" -t 2 "${USER_OPT[@]}" >"$TMP/memcached.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
up=0
for _ in $(seq 100); do
  "$PY" - "$PORT" <<'PYEOF' 2>/dev/null && { up=1; break; }
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"version\r\n")
sys.exit(0 if s.recv(100).startswith(b"VERSION ") else 1)
PYEOF
  sleep 0.1
done
[ "$up" = 1 ] || { echo "!! memcached did not start:" >&2; cat "$TMP/memcached.log" >&2; exit 1; }
echo "== $(memcached -V) on 127.0.0.1:$PORT (pid $PID)"
export PURPLE_HOST=127.0.0.1 PURPLE_MEMCACHED_PORT=$PORT PURPLE_TARGET=memcached
"$PY" -m pytest "$DIR/memcached" -q -p no:cacheprovider "$@" </dev/null; rc1=$?
"$DIR/memcached_tools.sh" "$PORT" </dev/null | grep -v '^PASS '; rc2=${PIPESTATUS[0]}
[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
