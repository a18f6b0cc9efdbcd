#!/usr/bin/env bash
# tests/tools/postgres.sh — a throwaway PostgreSQL cluster for the --storage postgres tests.
#
#   postgres.sh start DIR            initdb in DIR/data, start it on 127.0.0.1 and a free port (unix socket in
#                                    DIR/sock, log in DIR/postgres.log), create role and database "purple" with a
#                                    random password, and print the Npgsql connection string (also kept in DIR/conn)
#   postgres.sh env DIR              print `export PURPLE_TEST_POSTGRES='<connection string>'`, for eval
#   postgres.sh restart DIR [MODE]   pg_ctl restart -m MODE (fast by default; immediate is a crash: recovery replays WAL)
#   postgres.sh stop DIR             stop the server and delete DIR
#   postgres.sh psql DIR [ARGS...]   psql on the cluster as its superuser (over the socket)
#
# Nothing is installed or touched outside DIR: the Debian server binaries (postgresql-NN, /usr/lib/postgresql/NN/bin)
# are used as they are. initdb refuses to run as root, so as root the cluster is owned by and run as the `postgres`
# user the Debian package creates (runuser); as any other user it runs as that user.
set -euo pipefail

usage() { sed -n '2,13p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
shift 2

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && echo "$d"; done | sort -V | tail -1
}
BIN=$(bindir)
if [ -z "$BIN" ]; then
  echo "postgres.sh: no PostgreSQL server found under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
fi

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_ctl_() { as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" "$@"; }

case "$cmd" in
  start)
    if [ -e "$dir/data/PG_VERSION" ]; then echo "postgres.sh: $dir already holds a cluster (stop it first)" >&2; exit 1; fi
    mkdir -p "$dir/data" "$dir/sock"
    chmod 755 "$dir"
    password=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
    printf '%s\n' "$password" >"$dir/superuser-password"
    [ "$OWNER" = "$(id -un)" ] || chown -R "$OWNER" "$dir/data" "$dir/sock" "$dir/superuser-password"
    chmod 700 "$dir/data"
    chmod 600 "$dir/superuser-password"
    # Password (scram) over TCP, as a deployment would have it; trust only on the cluster's own socket.
    as_owner "$BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$dir/superuser-password" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    touch "$dir/postgres.log"
    [ "$OWNER" = "$(id -un)" ] || chown "$OWNER" "$dir/postgres.log"
    started=0
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      if pg_ctl_ -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c max_connections=200 -c fsync=on" start >/dev/null 2>&1; then
        started=1; break
      fi
    done
    if [ "$started" = 0 ]; then echo "postgres.sh: the server did not start; its log:" >&2; tail -30 "$dir/postgres.log" >&2; exit 1; fi
    echo "$port" >"$dir/port"
    user_password=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
    as_owner "$BIN/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE purple LOGIN PASSWORD '$user_password'" -c "CREATE DATABASE purple OWNER purple" >/dev/null
    conn="Host=127.0.0.1;Port=$port;Username=purple;Password=$user_password;Database=purple"
    printf '%s\n' "$conn" >"$dir/conn"
    chmod 600 "$dir/conn"
    echo "$conn"
    ;;
  env)
    echo "export PURPLE_TEST_POSTGRES='$(cat "$dir/conn")'"
    ;;
  restart)
    mode=${1:-fast}
    port=$(cat "$dir/port")
    pg_ctl_ -w -t 60 -m "$mode" -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c max_connections=200 -c fsync=on" restart >/dev/null
    ;;
  stop)
    if [ -e "$dir/data/postmaster.pid" ]; then pg_ctl_ -w -t 60 -m fast stop >/dev/null 2>&1 || pg_ctl_ -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  psql)
    as_owner "$BIN/psql" -h "$dir/sock" -p "$(cat "$dir/port")" -U postgres -d purple "$@"
    ;;
  *) usage ;;
esac
