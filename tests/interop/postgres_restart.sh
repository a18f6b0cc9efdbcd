#!/usr/bin/env bash
# tests/interop/postgres_restart.sh [LOG_DIR] — a PostgreSQL restarted (pg_ctl restart -m fast, then -m immediate)
# under a purple-node writing with --storage postgres: writes pause, succeed again once it is back, and no
# acknowledged write is lost (--fsync always and everysec). Starts and stops a PostgreSQL cluster of its own
# (tests/tools/postgres.sh), so the restarts disturb nothing else. Ends with `postgres-restart: N passed, N failed`.
# env: PURPLE_BIN (default Purple.Node/bin/Release/net10.0/purple-node)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PURPLE_BIN=${PURPLE_BIN:-$ROOT/Purple.Node/bin/Release/net10.0/purple-node}
LOG_DIR=${1:-$(mktemp -d)}
PG_DIR=$(mktemp -d /tmp/purple-pg-restart.XXXXXX)
cleanup() { tests/tools/postgres.sh stop "$PG_DIR" >/dev/null 2>&1; }
trap cleanup EXIT

if ! tests/tools/postgres.sh start "$PG_DIR" >/dev/null; then
  echo "FAIL could not start a PostgreSQL cluster for the restart test"
  echo "postgres-restart: 0 passed, 1 failed"
  exit 1
fi
/usr/bin/python3 tests/interop/postgres_restart.py "$PURPLE_BIN" "$ROOT/tests/tools/postgres.sh" "$PG_DIR" "$LOG_DIR"
