#!/usr/bin/env bash
# The purple CLI as a user gets it: packed, installed with `dotnet tool install --tool-path` from the
# local pack, then a node started with `purple serve` on free loopback ports and driven with the data
# commands, `purple info` and `purple bench`, checking stdout, stderr and exit codes, with redis-cli
# reading the same keys over RESP.
#
# usage: tests/interop/cli.sh [--no-build]
#   --no-build     pack what `dotnet build -c Release` already built (test.sh builds first)
#   PACK_DIR=DIR   install from an existing pack output instead of running `dotnet pack`
#   READY_TIMEOUT=60 (s for the node to answer /healthz)
# Needs dotnet, curl, redis-cli and /usr/bin/python3. Restoring the tool reads only the local pack
# (the NuGet feed is added as usual but its failures are ignored), into a private packages folder, so
# an older Purple.Cmd of the same version in ~/.nuget/packages is never the one tested.
# Prints `PASS name` or `FAIL name: why` per check and at the end `cli: N passed, N failed` (test.sh
# parses it). Exit 0 only if all passed. Everything it starts is stopped, and its temp dir removed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK_ARGS=()
[ "${1:-}" = --no-build ] && PACK_ARGS=(--no-build)
PY=/usr/bin/python3
TMP=$(mktemp -d)
NODE_PID=""
passed=0 failed=0

stop_node() {
  [ -n "$NODE_PID" ] || return 0
  kill -TERM "$NODE_PID" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$NODE_PID" 2>/dev/null
  wait "$NODE_PID" 2>/dev/null
  NODE_PID=""
}
trap 'stop_node; rm -rf "$TMP"' EXIT

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
show() { printf '%s' "$1" | head -c 300 | sed -e ':a;N;$!ba;s/\n/\\n/g'; }
finish() { echo "cli: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# run ARGS... : the installed purple; sets OUT, ERR and RC
run() {
  timeout 60 "$PURPLE" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
}

# ok NAME EXPECTED_STDOUT ARGS... : exit 0, exactly this stdout, empty stderr
ok() {
  local name=$1 expected=$2
  shift 2
  run "$@"
  if [ "$RC" -ne 0 ]; then fail "$name" "exit $RC, stderr '$(show "$ERR")'"
  elif [ "$OUT" != "$expected" ]; then fail "$name" "expected '$(show "$expected")', got '$(show "$OUT")'"
  elif [ -n "$ERR" ]; then fail "$name" "stderr not empty: '$(show "$ERR")'"
  else pass "$name"; fi
}

# fails NAME EXIT STDERR_PART ARGS... : that exit code, nothing on stdout, stderr saying why
fails() {
  local name=$1 code=$2 why=$3
  shift 3
  run "$@"
  if [ "$RC" -ne "$code" ]; then fail "$name" "expected exit $code, got $RC (stderr '$(show "$ERR")')"
  elif [ -s "$TMP/out" ]; then fail "$name" "stdout not empty: '$(show "$OUT")'"
  elif [[ "$ERR" != *"$why"* ]]; then fail "$name" "stderr '$(show "$ERR")' does not say '$why'"
  else pass "$name"; fi
}

# json NAME PYTHON_EXPR ARGS... : exit 0 and the JSON on stdout makes the expression true (j is the object)
json() {
  local name=$1 expr=$2
  shift 2
  run "$@"
  if [ "$RC" -ne 0 ]; then fail "$name" "exit $RC, stderr '$(show "$ERR")'"; return; fi
  if "$PY" -c 'import json, sys; j = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$expr" 2>"$TMP/py.err"; then
    pass "$name"
  else
    fail "$name" "'$expr' is not true of '$(show "$OUT")' $(show "$(cat "$TMP/py.err")")"
  fi
}

# check NAME EXPECTED ACTUAL
check() { if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected '$(show "$2")', got '$(show "$3")'"; fi; }

for t in dotnet curl redis-cli "$PY"; do
  command -v "$t" >/dev/null || { fail "tools" "$t is not installed"; finish; }
done

# --- pack and install ----------------------------------------------------------------------------
if [ -z "${PACK_DIR:-}" ]; then
  PACK_DIR=$TMP/pack
  if dotnet pack "$ROOT/Purple.Cmd" -c Release "${PACK_ARGS[@]}" -o "$PACK_DIR" -nodeReuse:false >"$TMP/pack.log" 2>&1; then pass "dotnet pack"
  else fail "dotnet pack" "$(tail -5 "$TMP/pack.log")"; finish; fi
fi
NUPKG=$(ls "$PACK_DIR"/Purple.Cmd.*.nupkg 2>/dev/null | head -1)
VERSION=$(basename "$NUPKG" .nupkg | sed 's/^Purple\.Cmd\.//')
[ -n "$NUPKG" ] || { fail "nupkg" "no Purple.Cmd.*.nupkg in $PACK_DIR"; finish; }
if NUGET_PACKAGES=$TMP/nuget dotnet tool install --tool-path "$TMP/tools" --add-source "$PACK_DIR" \
     --ignore-failed-sources Purple.Cmd --version "$VERSION" >"$TMP/install.log" 2>&1; then
  pass "dotnet tool install"
else
  fail "dotnet tool install" "$(tail -5 "$TMP/install.log")"; finish
fi
PURPLE=$TMP/tools/purple
[ -x "$PURPLE" ] && pass "the tool's command is purple" || { fail "the tool's command is purple" "no $PURPLE"; finish; }
run --version
check "purple --version" "$VERSION" "${OUT%%+*}"

# --- purple serve ----------------------------------------------------------------------------------
read -r RESP HTTP GRPC STRAY_FILE STRAY_ENV < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()')
# Started from a working directory (with subdirectories) holding an ASP.NET appsettings.json that asks Kestrel for one
# more endpoint, and with a Kestrel__Endpoints variable asking for another: listeners come from Purple's flags only.
mkdir -p "$TMP/work/data/a" "$TMP/work/b"
printf '{"Kestrel":{"Endpoints":{"Stray":{"Url":"http://127.0.0.1:%s"}}}}\n' "$STRAY_FILE" >"$TMP/work/appsettings.json"
(cd "$TMP/work" && exec env Kestrel__Endpoints__Env__Url="http://127.0.0.1:$STRAY_ENV" \
  "$PURPLE" serve --host 127.0.0.1 --resp-port "$RESP" --memcached-port 0 --http-port "$HTTP" --grpc-port "$GRPC" \
  </dev/null >"$TMP/node.log" 2>&1) &
NODE_PID=$!
deadline=$((SECONDS + ${READY_TIMEOUT:-60}))
until curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null 2>&1; do
  if ! kill -0 "$NODE_PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    fail "purple serve" "did not answer /healthz; its log: $(show "$(cat "$TMP/node.log")")"; NODE_PID=""; finish
  fi
  sleep 0.2
done
pass "purple serve answers /healthz"
check "purple serve listens where told" "PONG" "$(timeout 10 redis-cli -p "$RESP" PING 2>&1)"
check "purple serve opens no endpoint from the working directory's appsettings.json" 000 \
  "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$STRAY_FILE/healthz")"
check "purple serve opens no endpoint from Kestrel__Endpoints variables" 000 \
  "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$STRAY_ENV/healthz")"
# The host's default appsettings.json source watched the working directory recursively (one inotify watch per
# subdirectory, woken by every journal write under the default ./data).
check "purple serve watches no files" 0 "$(find "/proc/$NODE_PID/fd" -lname 'anon_inode:inotify' 2>/dev/null | wc -l)"
rc() { "$@" </dev/null >/dev/null 2>&1; echo $?; }
check "purple serve: invalid flags exit 2 (purple-node's code)" 2 "$(rc timeout 60 "$PURPLE" serve --resp-port 70000 --http-port 0 --grpc-port 0 --memcached-port 0)"
check "purple serve: a taken port exits 1 (purple-node's code)" 1 "$(rc timeout 60 "$PURPLE" serve --resp-port "$RESP" --http-port 0 --grpc-port 0 --memcached-port 0)"

export PURPLE_ENDPOINT=http://127.0.0.1:$GRPC
R() { timeout 10 redis-cli -p "$RESP" "$@" 2>&1; }

# --- data commands -------------------------------------------------------------------------------
ok "kv put" "OK" kv put greeting 'hello world'
ok "kv get" "hello world" kv get greeting
check "kv put is seen over RESP" "hello world" "$(R GET greeting)"
json "kv get -o json" 'j == {"key": "greeting", "db": 0, "value": "hello world", "contentType": ""}' kv get greeting -o json
ok "kv put --content-type --db" "OK" kv put doc '{"a":1}' --content-type application/json --db 2
json "kv get keeps the content type" 'j["contentType"] == "application/json" and j["db"] == 2' kv --db 2 get doc -o json
fails "kv get of a missing key exits 2" 2 "no value at key 'missing' in db 0" kv get missing
fails "kv get -o json of a missing key exits 2" 2 "missing" kv get missing -o json
ok "kv del" "1" kv del greeting
ok "kv del of nothing" "0" kv del greeting
head -c 65536 /dev/urandom >"$TMP/blob"
timeout 60 "$PURPLE" kv put blob - <"$TMP/blob" >/dev/null 2>&1
timeout 60 "$PURPLE" kv get blob >"$TMP/blob.out" 2>/dev/null
cmp -s "$TMP/blob" "$TMP/blob.out" && pass "kv put - / kv get: 64 KB of random bytes byte for byte" ||
  fail "kv put - / kv get: 64 KB of random bytes byte for byte" "the bytes differ"
check "a binary value over RESP is the same bytes" "65536" "$(R STRLEN blob)"

ok "cache set --ttl" "OK" cache set session:42 alice --ttl 1m
ok "cache get" "alice" cache get session:42
ttl=$(R TTL session:42)
[[ "$ttl" =~ ^[0-9]+$ ]] && [ "$ttl" -ge 55 ] && [ "$ttl" -le 60 ] && pass "cache set --ttl 1m gives a TTL of 1m (RESP TTL)" ||
  fail "cache set --ttl 1m gives a TTL of 1m (RESP TTL)" "TTL $ttl"
json "cache set -o json without --ttl" 'j["stored"] is True and j["ttlMs"] is None' cache set default-ttl v -o json
ok "cache del" "1" cache del session:42
fails "cache get after del exits 2" 2 "session:42" cache get session:42

ok "counter get of nothing" "0" counter get visits
ok "counter incr --by" "5" counter incr visits --by 5
ok "counter incr --by negative" "2" counter incr visits --by -3
check "the counter over RESP" "2" "$(R GET visits)"
json "counter get -o json" 'j == {"key": "visits", "db": 0, "value": 2}' counter get visits -o json

ok "set add prints the sorted set" $'green\nred' set add tags red green
ok "set rm" "red" set rm tags green
printf 'blue\nyellow\n' | { timeout 60 "$PURPLE" set add tags - >"$TMP/out" 2>"$TMP/err"; echo $? >"$TMP/rc"; }
check "set add - reads items from stdin" $'0 blue\nred\nyellow' "$(cat "$TMP/rc") $(cat "$TMP/out")"
check "set members over RESP" $'blue\nred\nyellow' "$(R SMEMBERS tags | sort)"
json "set get -o json" 'j["items"] == ["blue", "red", "yellow"]' set get tags -o json

ok "flag get of nothing" "false" flag get beta
ok "flag set" "true" flag set beta true
ok "flag get" "true" flag get beta
json "flag get -o json" 'j["value"] is True' flag get beta -o json

# --- failures and the environment ----------------------------------------------------------------
fails "a wrong type exits 3" 3 "WRONGTYPE" counter incr tags
fails "an invalid db exits 3" 3 "db" kv get k --db 99
fails "an unreachable node exits 4" 4 "cannot reach the node" kv get k --endpoint http://127.0.0.1:1
fails "a usage error exits 1" 1 "Run 'purple flag set --help'" flag set beta maybe
fails "an unknown command exits 1" 1 "frobnicate" frobnicate
run kv get doc --db 2
check "--endpoint falls back to \$PURPLE_ENDPOINT" '{"a":1}' "$OUT"
PURPLE_ENDPOINT=http://127.0.0.1:1 run kv get doc --db 2 --endpoint "http://127.0.0.1:$GRPC"
check "--endpoint wins over \$PURPLE_ENDPOINT" '{"a":1}' "$OUT"

# --- info ----------------------------------------------------------------------------------------
json "info -o json" "j['version'] == '$VERSION'.split('+')[0] and j['keys']['perDb']['2']['keys'] == 1 and j['hits'] > 0 and j['misses'] > 0 and j['listeners']['http']['address'] == '127.0.0.1:$HTTP' and j['listeners']['resp']['address'] == '127.0.0.1:$RESP' and j['listeners']['grpc']['tls'] is False" \
  info --http "http://127.0.0.1:$HTTP" -o json
run info --http "http://127.0.0.1:$HTTP"
[ "$RC" -eq 0 ] && [[ "$OUT" == *"hit ratio"* ]] && [[ "$OUT" == *"db2"* ]] && [[ "$OUT" == *"│"* ]] && pass "info draws a table" ||
  fail "info draws a table" "exit $RC: $(show "$OUT")"
fails "info of a port that is not Purple's HTTP exits 3" 3 "/metrics" info --http "http://127.0.0.1:$GRPC"

# --- bench ---------------------------------------------------------------------------------------
json "bench: every test answered, no errors" \
  'len(j["tests"]) == 4 and all(t["requests"] == 500 and t["errors"] == 0 and t["opsPerSecond"] > 0 and t["latencyMs"]["p99"] > 0 for t in j["tests"])' \
  bench -p "$RESP" -n 500 -c 4 -P 4 -r 1000 --db 3 -o json
R -n 4 SET counter:__rand_int__ text >/dev/null
run bench -p "$RESP" -n 100 -c 2 -t incr --db 4 -o json
[ "$RC" -eq 3 ] && [[ "$ERR" == *"100 of 100 replies were errors"* ]] && pass "bench counts error replies as errors (exit 3)" ||
  fail "bench counts error replies as errors (exit 3)" "exit $RC, stderr '$(show "$ERR")'"

# --- a graceful stop -------------------------------------------------------------------------------
kill -TERM "$NODE_PID"
for _ in $(seq 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$NODE_PID" 2>/dev/null; then fail "purple serve stops on SIGTERM" "still running after 10 s"
else wait "$NODE_PID"; check "purple serve stops on SIGTERM with exit 0" 0 $?; NODE_PID=""; fi
finish
