#!/usr/bin/env bash
# Drive redis-cli against a running RESP server as a user would, comparing its output
# with the text Redis 7 gives.
#
# usage: tests/interop/redis_cli.sh [-h HOST] [PORT]
#   PORT defaults to $PURPLE_RESP_PORT, HOST to $PURPLE_HOST or 127.0.0.1.
# Prints one line per check, `PASS name` or `FAIL name (expected …, got …)`, and at the end
# `redis-cli: N passed, N failed` (test.sh parses that line). Exit 0 only if all passed.
# WARNING: it runs FLUSHALL on the target server.
set -uo pipefail

HOST=${PURPLE_HOST:-127.0.0.1}
if [ "${1:-}" = -h ]; then HOST=$2; shift 2; fi
PORT=${1:-${PURPLE_RESP_PORT:-}}
[ -n "$PORT" ] || { echo "usage: $0 [-h HOST] PORT (or set PURPLE_RESP_PORT)" >&2; exit 2; }
command -v redis-cli >/dev/null || { echo "FAIL redis-cli is not installed"; echo "redis-cli: 0 passed, 1 failed"; exit 1; }

T=${CLI_TIMEOUT:-30}                 # seconds per redis-cli invocation
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0

# cli ARGS... : redis-cli on the target, bounded in time, stdout+stderr merged
cli() { timeout "$T" redis-cli -h "$HOST" -p "$PORT" "$@" 2>&1; }

show() { printf '%s' "$1" | head -c 300 | sed -e ':a;N;$!ba;s/\n/\\n/g'; }

# check NAME EXPECTED ACTUAL
check() {
  if [ "$2" == "$3" ]; then
    echo "PASS $1"; passed=$((passed + 1))
  else
    echo "FAIL $1 (expected '$(show "$2")', got '$(show "$3")')"; failed=$((failed + 1))
  fi
}

# check_contains NAME NEEDLE ACTUAL
check_contains() {
  if [[ "$3" == *"$2"* ]]; then
    echo "PASS $1"; passed=$((passed + 1))
  else
    echo "FAIL $1 (expected to contain '$(show "$2")', got '$(show "$3")')"; failed=$((failed + 1))
  fi
}

# --- start clean -------------------------------------------------------------
if [ "$(cli PING)" != PONG ]; then
  echo "FAIL connect (no PONG from $HOST:$PORT)"; echo "redis-cli: 0 passed, 1 failed"; exit 1
fi
cli FLUSHALL >/dev/null

# --- the formatted output a user sees in a terminal (--no-raw) ----------------
check ping "PONG" "$(cli PING)"
check ping-message '"hello"' "$(cli --no-raw PING hello)"
check set-ok "OK" "$(cli --no-raw SET greeting 'hello world')"
check get-quoted '"hello world"' "$(cli --no-raw GET greeting)"
check get-nil "(nil)" "$(cli --no-raw GET missing)"
check incr-integer "(integer) 1" "$(cli --no-raw INCR {c}counter)"
check incrby-integer "(integer) 11" "$(cli --no-raw INCRBY {c}counter 10)"
check decr-negative "(integer) -1" "$(cli --no-raw DECRBY newcounter 1)"
check sadd-count "(integer) 3" "$(cli --no-raw SADD fruits apple banana cherry)"
check smembers-sorted $'apple\nbanana\ncherry' "$(cli --raw SMEMBERS fruits | sort)"
check sismember "(integer) 1" "$(cli --no-raw SISMEMBER fruits banana)"
check smismember $'1) (integer) 1\n2) (integer) 0' "$(cli --no-raw SMISMEMBER fruits apple kiwi)"
check scard "(integer) 3" "$(cli --no-raw SCARD fruits)"
check mget-array $'1) "hello world"\n2) (nil)\n3) "11"' "$(cli --no-raw MGET greeting missing {c}counter)"
check empty-array "(empty array)" "$(cli --no-raw SMEMBERS nosuchset)"
check type-string "string" "$(cli TYPE greeting)"
check type-set "set" "$(cli TYPE fruits)"
check type-none "none" "$(cli TYPE missing)"
check exists "(integer) 2" "$(cli --no-raw EXISTS greeting fruits missing)"
check ttl-persistent "(integer) -1" "$(cli --no-raw TTL greeting)"
check ttl-missing "(integer) -2" "$(cli --no-raw TTL missing)"
cli SET session abc EX 100 >/dev/null
ttl=$(cli TTL session)
check ttl-after-set-ex "ok" "$([ "$ttl" -ge 98 ] && [ "$ttl" -le 100 ] && echo ok || echo "$ttl")"
check persist "(integer) 1" "$(cli --no-raw PERSIST session)"
check append "(integer) 14" "$(cli --no-raw APPEND greeting '!!!')"
check strlen "(integer) 14" "$(cli --no-raw STRLEN greeting)"
check getset '"abc"' "$(cli --no-raw GETSET session xyz)"
check getdel '"xyz"' "$(cli --no-raw GETDEL session)"
# Keys of one command share a hash tag: these checks also run against a Redis Cluster backend (docs/storage.md).
check rename "OK" "$(cli RENAME {c}counter {c}counter2)"
check dbsize "(integer) 4" "$(cli --no-raw DBSIZE)"
check echo-binary-escaped '"a\x00b"' "$(printf 'a\0b' > "$TMP/nul"; cli --no-raw -x ECHO < "$TMP/nul")"

# --- errors -------------------------------------------------------------------
check unknown-command "(error) ERR unknown command 'FOO', with args beginning with: 'bar' " \
  "$(cli --no-raw FOO bar)"
check wrong-arity "(error) ERR wrong number of arguments for 'get' command" "$(cli --no-raw GET)"
check wrongtype "(error) WRONGTYPE Operation against a key holding the wrong kind of value" \
  "$(cli --no-raw INCR fruits)"
check not-integer "(error) ERR value is not an integer or out of range" "$(cli --no-raw INCR greeting)"
check rename-missing "(error) ERR no such key" "$(cli --no-raw RENAME {c}missing {c}other)"
check syntax-error "(error) ERR syntax error" "$(cli --no-raw SET k v NX XX)"

# -e: exit code is non-zero when the server answered with an error
out=$(cli -e INCR fruits); rc=$?
check e-flag-error-exit-code "1" "$rc"
check e-flag-error-text "WRONGTYPE Operation against a key holding the wrong kind of value" "$out"
out=$(cli -e SET ok-key 1); rc=$?
check e-flag-success "0:OK" "$rc:$out"

# --- --raw output -------------------------------------------------------------
check raw-get "hello world!!!" "$(cli --raw GET greeting)"
cli SET multiline $'line1\nline2' >/dev/null
check raw-multiline $'line1\nline2' "$(cli --raw GET multiline)"
check raw-integer "3" "$(cli --raw SCARD fruits)"
check raw-nil "" "$(cli --raw GET missing)"
check raw-mget $'hello world!!!\n\n11' "$(cli --raw MGET greeting missing {c}counter2)"
check csv-mget '"hello world!!!",NULL' "$(cli --csv MGET greeting missing)"

# -x: last argument from stdin
printf 'from stdin' | cli -x SET stdin-key >/dev/null
check x-flag "from stdin" "$(cli --raw GET stdin-key)"

# -r: repeat
check repeat $'1\n2\n3' "$(cli -r 3 INCR repeated)"

# -n: database
cli -n 2 SET dbkey two >/dev/null
check db2-set '"two"' "$(cli -n 2 --no-raw GET dbkey)"
check db0-isolated "(nil)" "$(cli --no-raw GET dbkey)"
check db2-dbsize "1" "$(cli -n 2 DBSIZE)"

# --- a session of commands on stdin ------------------------------------------
session=$(printf '%s\n' 'SET s1 10' 'INCR s1' 'MULTI' 'INCR s1' 'SADD tx a b' 'EXEC' 'GET s1' \
  | cli --no-raw)
check stdin-session $'OK\n(integer) 11\nOK\nQUEUED\nQUEUED\n1) (integer) 12\n2) (integer) 2\n"12"' "$session"
session=$(printf '%s\n' 'MULTI' 'SET t1 x' 'DISCARD' 'EXISTS t1' | cli --no-raw)
check stdin-discard $'OK\nQUEUED\nOK\n(integer) 0' "$session"
session=$(printf '%s\n' 'MULTI' 'SET t2' 'EXEC' | cli --no-raw)
check stdin-execabort $'OK\n(error) ERR wrong number of arguments for \'set\' command\n(error) EXECABORT Transaction discarded because of previous errors.' "$session"

# --- RESP3 (-3) ---------------------------------------------------------------
check resp3-hello-proto '3# "proto" => (integer) 3' "$(cli -3 --no-raw HELLO 3 | grep '"proto"')"
check resp3-smembers-set $'1~ "apple"\n2~ "banana"\n3~ "cherry"' \
  "$(cli -3 --no-raw SMEMBERS fruits | sed 's/^[0-9]~ //' | sort | awk '{print NR "~ " $0}')"
check resp3-smembers-set-marker "3" "$(cli -3 --no-raw SMEMBERS fruits | grep -c '^[0-9]~ ')"
check resp3-config-map '1# "databases" => "16"' "$(cli -3 --no-raw CONFIG GET databases)"
check resp3-null "(nil)" "$(cli -3 --no-raw GET missing)"
check resp3-integer "(integer) 1" "$(cli -3 --no-raw SISMEMBER fruits apple)"
check resp3-raw-set $'apple\nbanana\ncherry' "$(cli -3 --raw SMEMBERS fruits | sort)"
check_contains resp3-info-verbatim "# Keyspace" "$(cli -3 INFO keyspace)"

# --- mass insertion with --pipe -----------------------------------------------
N=${PIPE_KEYS:-20000}
awk -v n="$N" 'BEGIN {
  for (i = 1; i <= n; i++) {
    k = "mass:" i; v = "value-" i
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
  }
  for (i = 1; i <= 100; i++) {
    m = "m" i
    printf "*3\r\n$4\r\nSADD\r\n$8\r\nmass:set\r\n$%d\r\n%s\r\n", length(m), m
  }
}' >"$TMP/mass.txt"
out=$(cli --pipe <"$TMP/mass.txt")
check pipe-mass-insert "errors: 0, replies: $((N + 100))" "$(tail -1 <<<"$out")"
check pipe-get "value-$N" "$(cli --raw GET "mass:$N")"
check pipe-scard "100" "$(cli SCARD mass:set)"
printf 'SET inline-a 1\r\nINCR inline-a\r\nINCR mass:set\r\nGET\r\n' >"$TMP/inline.txt"
out=$(cli --pipe <"$TMP/inline.txt")
check pipe-errors-counted "errors: 2, replies: 4" "$(tail -1 <<<"$out")"
check pipe-inline-applied "2" "$(cli GET inline-a)"

# --- --scan -------------------------------------------------------------------
check scan-pattern-count "$N" "$(cli --scan --pattern 'mass:[0-9]*' | wc -l | tr -d ' ')"
check scan-pattern-exact "mass:1234" "$(cli --scan --pattern 'mass:1234')"
check scan-pattern-class $'mass:11\nmass:12\nmass:13' "$(cli --scan --pattern 'mass:1[1-3]' | sort)"
check scan-all "$(cli DBSIZE)" "$(cli --scan | wc -l | tr -d ' ')"
check keys-pattern $'fruits' "$(cli --raw KEYS 'fr*')"

# --- --bigkeys (SCAN + TYPE + STRLEN/SCARD) -------------------------------------
out=$(cli --bigkeys)
check_contains bigkeys-set "Biggest    set found '\"mass:set\"' has 100 members" "$out"
check_contains bigkeys-string "Biggest string found" "$out"

# --- clients ------------------------------------------------------------------
check client-setname-getname '"cli-user"' "$(printf '%s\n' 'CLIENT SETNAME cli-user' 'CLIENT GETNAME' | cli --no-raw | tail -1)"
check_contains client-list-self "cmd=client|list" "$(cli CLIENT LIST)"

# --- flush --------------------------------------------------------------------
check flushdb "OK" "$(cli FLUSHDB)"
check flushdb-empty "0" "$(cli DBSIZE)"
check flushdb-other-db-kept "1" "$(cli -n 2 DBSIZE)"
check flushall "OK" "$(cli FLUSHALL)"
check flushall-empty "0" "$(cli -n 2 DBSIZE)"

echo "redis-cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
