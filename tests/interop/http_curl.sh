#!/usr/bin/env bash
# Drive Purple's HTTP/JSON API (/cache /kv /counters /sets /flags, RFC 7807 problems,
# /openapi/v1.json) with curl as a user would, checking status, body and Content-Type of every
# route and method, and checking with redis-cli that RESP sees the same data (and the reverse).
#
# usage: tests/interop/http_curl.sh [-h HOST] [PORT_HTTP [PORT_RESP]]
#   PORT_HTTP defaults to $PURPLE_HTTP_PORT, PORT_RESP to $PURPLE_RESP_PORT, HOST to $PURPLE_HOST
#   or 127.0.0.1. The target must run with the default --databases 16 and --cache-default-ttl 5s
#   (or set CACHE_DEFAULT_TTL_MS), and --proto-max-bulk-len above 64KB.
# For 413 and 507 it starts its own small node (--capacity 1MB --eviction none
# --proto-max-bulk-len 64KB) on free loopback ports and stops it at the end: the binary is
# $PURPLE_BIN or Purple.Node/bin/Release/net10.0/purple-node (build it first).
# Prints one line per check, `PASS name` or `FAIL name: why`, and at the end
# `http-curl: N passed, N failed` (test.sh parses that line). Exit 0 only if all passed.
# It does not flush the target: every key it writes starts with a per-run prefix and is deleted
# at the end (databases 0-3).
set -uo pipefail

HOST=${PURPLE_HOST:-127.0.0.1}
if [ "${1:-}" = -h ]; then HOST=$2; shift 2; fi
HTTP_PORT=${1:-${PURPLE_HTTP_PORT:-}}
RESP_PORT=${2:-${PURPLE_RESP_PORT:-}}
if [ -z "$HTTP_PORT" ] || [ -z "$RESP_PORT" ]; then
  echo "usage: $0 [-h HOST] PORT_HTTP PORT_RESP (or set PURPLE_HTTP_PORT and PURPLE_RESP_PORT)" >&2; exit 2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PURPLE_BIN=${PURPLE_BIN:-$ROOT/Purple.Node/bin/Release/net10.0/purple-node}
PY=/usr/bin/python3
DEFAULT_TTL_MS=${CACHE_DEFAULT_TTL_MS:-5000}
T=${CLI_TIMEOUT:-30}                 # seconds per redis-cli invocation
BASE="http://$HOST:$HTTP_PORT"
K="hc$$-"                            # prefix of every key this run writes
TMP=$(mktemp -d)
SMALL_PID=""
passed=0 failed=0

cleanup() {
  if [ -n "$SMALL_PID" ] && kill -0 "$SMALL_PID" 2>/dev/null; then
    kill -TERM "$SMALL_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$SMALL_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SMALL_PID" 2>/dev/null
    wait "$SMALL_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
show() { printf '%s' "$1" | head -c 300 | sed -e ':a;N;$!ba;s/\n/\\n/g'; }
finish() { echo "http-curl: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# check NAME EXPECTED ACTUAL
check() {
  if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected '$(show "$2")', got '$(show "$3")'"; fi
}
# in_range NAME LOW HIGH VALUE
in_range() {
  if [[ "$4" =~ ^-?[0-9]+$ ]] && [ "$4" -ge "$2" ] && [ "$4" -le "$3" ]; then pass "$1"
  else fail "$1" "expected $2..$3, got '$(show "$4")'"; fi
}

# cli ARGS... : redis-cli on the target, raw output, bounded in time
cli() { timeout "$T" redis-cli -h "$HOST" -p "$RESP_PORT" --raw "$@" 2>&1; }

# req [-b BASE] METHOD PATH [CURL ARGS...] : one request; sets CODE, CTYPE and BODY
# (the body is also in $TMP/body, byte for byte).
req() {
  local base=$BASE
  if [ "$1" = -b ]; then base=$2; shift 2; fi
  local method=$1 path=$2 out
  shift 2
  rm -f "$TMP/body"
  out=$(curl -sS --max-time 10 --path-as-is -X "$method" -o "$TMP/body" \
    -w '%{http_code} %{content_type}' "$@" "$base$path" 2>"$TMP/curl.err")
  if [ $? -ne 0 ]; then CODE="curl-error" CTYPE="" BODY="$(cat "$TMP/curl.err")"; return 1; fi
  CODE=${out%% *}
  CTYPE=${out#* }
  BODY=$(tr -d '\0' < "$TMP/body" 2>/dev/null)   # text checks; binary ones cmp $TMP/body
}

# json_is NAME EXPECTED_JSON : the last body, parsed, equals EXPECTED_JSON, parsed
json_is() {
  if "$PY" -c 'import json, sys; sys.exit(0 if json.loads(sys.argv[1]) == json.loads(sys.argv[2]) else 1)' \
       "$2" "$BODY" 2>/dev/null; then pass "$1"
  else fail "$1" "expected JSON $(show "$2"), got $(show "$BODY")"; fi
}

# expect NAME STATUS CTYPE [BODY] : the last response's status, Content-Type and (optionally) body
expect() {
  local want="$2 $3" got="$CODE $CTYPE"
  if [ $# -ge 4 ]; then want+=" [$4]"; got+=" [$BODY]"; fi
  check "$1" "$want" "$got"
}

# expect_json NAME STATUS JSON : status 200-ish, Content-Type application/json; charset=utf-8, JSON body
expect_json() {
  check "$1-status" "$2 application/json; charset=utf-8" "$CODE $CTYPE"
  json_is "$1-body" "$3"
}

# expect_problem NAME STATUS TITLE INSTANCE : an RFC 7807 problem document with these fields
expect_problem() {
  local why
  why=$("$PY" - "$CODE" "$CTYPE" "$2" "$3" "$4" "$TMP/body" <<'EOF'
import json, sys
code, ctype, status, title, instance, path = sys.argv[1:7]
errors = []
if code != status:
    errors.append(f"status {code}, expected {status}")
if ctype != "application/problem+json":
    errors.append(f"Content-Type '{ctype}', expected application/problem+json")
try:
    doc = json.load(open(path, "rb"))
except Exception as e:
    doc = None
    errors.append(f"body is not JSON ({e})")
if isinstance(doc, dict):
    missing = [k for k in ("type", "title", "status", "detail", "instance") if k not in doc]
    if missing:
        errors.append(f"missing members {missing}")
    if doc.get("status") != int(status):
        errors.append(f"status member {doc.get('status')!r}")
    if doc.get("title") != title:
        errors.append(f"title {doc.get('title')!r}, expected {title!r}")
    if instance and doc.get("instance") != instance:
        errors.append(f"instance {doc.get('instance')!r}, expected {instance!r}")
    if not isinstance(doc.get("detail"), str) or not doc.get("detail"):
        errors.append("empty detail")
elif doc is not None:
    errors.append("body is not a JSON object")
print("; ".join(errors))
EOF
)
  if [ -z "$why" ]; then pass "$1"; else fail "$1" "$why (body $(show "$BODY"))"; fi
}

# --- tools, server up -------------------------------------------------------------------------
for t in curl redis-cli "$PY"; do
  command -v "$t" >/dev/null || fail "tool-$(basename "$t")" "not installed"
done
[ "$failed" -eq 0 ] || finish
req GET /healthz
if [ "$CODE" != 200 ]; then fail healthz "no Purple HTTP listener at $BASE ($CODE $(show "$BODY"))"; finish; fi
pass healthz
if [ "$(cli PING)" != PONG ]; then fail resp-ping "no RESP listener at $HOST:$RESP_PORT"; finish; fi
pass resp-ping

cd "$TMP" || exit 1
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4 + b"\r\n\x00END")' > bytes.bin

# --- /kv ---------------------------------------------------------------------------------------
req PUT "/kv/${K}k1" -H 'Content-Type: text/x-purple; charset=latin1' --data-binary 'hello kv'
expect kv-put 204 "" ""
req GET "/kv/${K}k1"
expect kv-get-content-type-echoed 200 "text/x-purple; charset=latin1" "hello kv"
check kv-put-resp-get "hello kv" "$(cli GET "${K}k1")"
check kv-put-no-ttl "-1" "$(cli TTL "${K}k1")"
req PUT "/kv/${K}k2" -H 'Content-Type:' --data-binary 'no type'
req GET "/kv/${K}k2"
expect kv-get-default-octet-stream 200 application/octet-stream "no type"
req PUT "/kv/${K}k1" -H 'Content-Type: text/plain' --data-binary 'replaced'
req GET "/kv/${K}k1"
expect kv-put-overwrites 200 text/plain "replaced"
req PUT "/kv/${K}empty" -H 'Content-Type:' --data-binary ''
req GET "/kv/${K}empty"
check kv-empty-value "200 application/octet-stream 0" "$CODE $CTYPE $(wc -c < "$TMP/body")"
# the original Purple's JSON body {"content": "..."} is unwrapped and stored as UTF-8 text
req PUT "/kv/${K}json" -H 'Content-Type: application/json' --data-binary '{"content": "h\u00e9llo \"x\""}'
expect kv-put-json-content 204 "" ""
req GET "/kv/${K}json"
expect kv-json-content-unwrapped 200 "text/plain; charset=utf-8" 'héllo "x"'
check kv-json-content-resp-get 'héllo "x"' "$(cli GET "${K}json")"
req PUT "/kv/${K}json2" -H 'Content-Type: application/json; charset=utf-8' --data-binary '{"content":"v2"}'
req GET "/kv/${K}json2"
expect kv-json-charset-unwrapped 200 "text/plain; charset=utf-8" "v2"
req PUT "/kv/${K}json3" -H 'Content-Type: application/json' --data-binary '{"content": "x", "other": 1}'
req GET "/kv/${K}json3"
expect kv-json-other-members-kept-raw 200 application/json '{"content": "x", "other": 1}'
req PUT "/kv/${K}json4" -H 'Content-Type: application/json' --data-binary '{"content": 5}'
req GET "/kv/${K}json4"
expect kv-json-non-string-kept-raw 200 application/json '{"content": 5}'
req PUT "/kv/${K}json5" -H 'Content-Type: text/plain' --data-binary '{"content": "x"}'
req GET "/kv/${K}json5"
expect kv-json-only-for-json-type 200 text/plain '{"content": "x"}'
# binary-safe: all 256 byte values, both ways
req PUT "/kv/${K}bin" -H 'Content-Type: application/octet-stream' --data-binary @bytes.bin
expect kv-put-binary 204 "" ""
req GET "/kv/${K}bin"
if [ "$CODE $CTYPE" = "200 application/octet-stream" ] && cmp -s bytes.bin "$TMP/body"; then pass kv-binary-roundtrip
else fail kv-binary-roundtrip "$CODE $CTYPE, $(wc -c < "$TMP/body" 2>/dev/null || echo 0) bytes, expected $(wc -c < bytes.bin) identical bytes"; fi
cli GET "${K}bin" | head -c -1 > resp.out
cmp -s bytes.bin resp.out && pass kv-binary-http-to-resp || fail kv-binary-http-to-resp "redis-cli GET returned different bytes ($(wc -c < resp.out) bytes)"
tac bytes.bin > bytes2.bin
timeout "$T" redis-cli -h "$HOST" -p "$RESP_PORT" -x SET "${K}bin2" < bytes2.bin >/dev/null
req GET "/kv/${K}bin2"
if [ "$CODE $CTYPE" = "200 application/octet-stream" ] && cmp -s bytes2.bin "$TMP/body"; then pass kv-binary-resp-to-http
else fail kv-binary-resp-to-http "$CODE $CTYPE, $(wc -c < "$TMP/body" 2>/dev/null || echo 0) bytes, expected $(wc -c < bytes2.bin) identical bytes"; fi
cli SET "${K}fromresp" "set by redis-cli" >/dev/null
req GET "/kv/${K}fromresp"
expect kv-resp-set-http-get 200 application/octet-stream "set by redis-cli"
# a kv PUT over a cache entry drops its TTL
cli SET "${K}hadttl" x EX 100 >/dev/null
req PUT "/kv/${K}hadttl" --data-binary y
check kv-put-clears-ttl "-1" "$(cli TTL "${K}hadttl")"
# DELETE
req DELETE "/kv/${K}k2"
expect kv-delete 204 "" ""
check kv-delete-resp-gone "0" "$(cli EXISTS "${K}k2")"
req GET "/kv/${K}k2"
expect_problem kv-get-missing-404 404 "Not found" "/kv/${K}k2"
req DELETE "/kv/${K}k2"
expect_problem kv-delete-missing-404 404 "Not found" "/kv/${K}k2"
cli SET "${K}delresp" v >/dev/null
cli DEL "${K}delresp" >/dev/null
req GET "/kv/${K}delresp"
check kv-resp-del-http-404 404 "$CODE"

# --- /cache ------------------------------------------------------------------------------------
req PUT "/cache/${K}c1?ttl=100" -H 'Content-Type: text/x-cache' --data-binary 'cached'
expect cache-put-ttl 204 "" ""
req GET "/cache/${K}c1"
expect cache-get 200 text/x-cache "cached"
in_range cache-ttl-seconds-resp-ttl 98 100 "$(cli TTL "${K}c1")"
req PUT "/cache/${K}c2?ttl_ms=1500" -H 'Content-Type:' --data-binary 'ms'
expect cache-put-ttl-ms 204 "" ""
in_range cache-ttl-ms-resp-pttl 1000 1500 "$(cli PTTL "${K}c2")"
req GET "/cache/${K}c2"
expect cache-get-octet-stream 200 application/octet-stream "ms"
req PUT "/cache/${K}c3" --data-binary 'default'
in_range cache-default-ttl-resp-pttl $((DEFAULT_TTL_MS - 1500)) "$DEFAULT_TTL_MS" "$(cli PTTL "${K}c3")"
req PUT "/cache/${K}c4?ttl=0" --data-binary 'zero'
expect cache-put-ttl-zero 204 "" ""
in_range cache-ttl-zero-is-default "$((DEFAULT_TTL_MS - 1500))" "$DEFAULT_TTL_MS" "$(cli PTTL "${K}c4")"
req PUT "/cache/${K}c5?ttl_ms=0" --data-binary 'zero'
in_range cache-ttl-ms-zero-is-default "$((DEFAULT_TTL_MS - 1500))" "$DEFAULT_TTL_MS" "$(cli PTTL "${K}c5")"
req PUT "/cache/${K}q1?value=hello%20query&ttl=60"
expect cache-put-value-query 204 "" ""
req GET "/cache/${K}q1"
expect cache-value-query-text-plain 200 "text/plain; charset=utf-8" "hello query"
req PUT "/cache/${K}q2?value=typed" -H 'Content-Type: text/x-given'
req GET "/cache/${K}q2"
expect cache-value-query-keeps-given-type 200 text/x-given "typed"
req PUT "/cache/${K}q3?value=ignored" -H 'Content-Type: text/plain' --data-binary 'the body'
req GET "/cache/${K}q3"
expect cache-body-wins-over-value-query 200 text/plain "the body"
req PUT "/cache/${K}cbin?ttl=60" -H 'Content-Type:' --data-binary @bytes.bin
req GET "/cache/${K}cbin"
if [ "$CODE $CTYPE" = "200 application/octet-stream" ] && cmp -s bytes.bin "$TMP/body"; then pass cache-binary-roundtrip
else fail cache-binary-roundtrip "$CODE $CTYPE, $(wc -c < "$TMP/body" 2>/dev/null || echo 0) bytes"; fi
cli SET "${K}cresp" "from resp" EX 50 >/dev/null
req GET "/cache/${K}cresp"
expect cache-resp-set-http-get 200 application/octet-stream "from resp"
req PUT "/cache/${K}short?ttl_ms=300" --data-binary 'soon gone'
req GET "/cache/${K}short"
expect cache-short-ttl-present 200 application/x-www-form-urlencoded "soon gone"   # curl's default type for --data-binary
sleep 1
req GET "/cache/${K}short"
expect_problem cache-expired-404 404 "Not found" "/cache/${K}short"
check cache-expired-resp-gone "0" "$(cli EXISTS "${K}short")"
req DELETE "/cache/${K}c1"
expect cache-delete 204 "" ""
check cache-delete-resp-gone "0" "$(cli EXISTS "${K}c1")"
req GET "/cache/${K}c1"
expect_problem cache-get-missing-404 404 "Not found" "/cache/${K}c1"
req DELETE "/cache/${K}c1"
expect_problem cache-delete-missing-404 404 "Not found" "/cache/${K}c1"

# --- /counters ---------------------------------------------------------------------------------
req GET "/counters/${K}n"
expect_json counter-get-missing 200 "{\"counter\": \"${K}n\", \"value\": 0}"
check counter-get-missing-not-created "0" "$(cli EXISTS "${K}n")"
req POST "/counters/${K}n"
expect_json counter-post-default-1 200 "{\"counter\": \"${K}n\", \"value\": 1}"
req PUT "/counters/${K}n?increment=41"
expect_json counter-put-increment 200 "{\"counter\": \"${K}n\", \"value\": 42}"
req POST "/counters/${K}n?increment=-50"
expect_json counter-post-negative 200 "{\"counter\": \"${K}n\", \"value\": -8}"
req PUT "/counters/${K}n"
expect_json counter-put-default-1 200 "{\"counter\": \"${K}n\", \"value\": -7}"
check counter-http-to-resp "-7" "$(cli GET "${K}n")"
cli INCRBY "${K}n" 107 >/dev/null
req GET "/counters/${K}n"
expect_json counter-resp-incrby-http-get 200 "{\"counter\": \"${K}n\", \"value\": 100}"
cli SET "${K}n2" 9223372036854775806 >/dev/null
req POST "/counters/${K}n2"
expect_json counter-max-int64 200 "{\"counter\": \"${K}n2\", \"value\": 9223372036854775807}"
req POST "/counters/${K}n2"
expect_problem counter-overflow-409 409 "Counter overflow" "/counters/${K}n2"
check counter-overflow-unchanged "9223372036854775807" "$(cli GET "${K}n2")"
cli SET "${K}n3" -9223372036854775808 >/dev/null
req PUT "/counters/${K}n3?increment=-1"
expect_problem counter-underflow-409 409 "Counter overflow" "/counters/${K}n3"
cli SET "${K}notnum" "twelve" >/dev/null
req GET "/counters/${K}notnum"
expect_problem counter-get-not-a-counter-409 409 "Not a counter" "/counters/${K}notnum"
req POST "/counters/${K}notnum"
expect_problem counter-post-not-a-counter-409 409 "Not a counter" "/counters/${K}notnum"
req PUT "/counters/${K}notnum?increment=2"
expect_problem counter-put-not-a-counter-409 409 "Not a counter" "/counters/${K}notnum"
# GET must judge a stored value the way INCRBY (RESP and PUT/POST /counters) does: "+5", "05"
# and "-0" are not base-10 64-bit integers to Redis, so not counters.
for v in +5 05 -0; do
  cli SET "${K}odd" "$v" >/dev/null
  resp=$(cli INCRBY "${K}odd" 0)
  req POST "/counters/${K}odd?increment=0"
  post=$CODE
  req GET "/counters/${K}odd"
  check "counter-get-agrees-with-incrby-'$v'" "ERR value is not an integer or out of range 409 409" "$resp $post $CODE"
done

# --- /sets ---------------------------------------------------------------------------------------
req GET "/sets/${K}s"
expect_json set-get-missing-empty 200 "{\"set\": \"${K}s\", \"items\": []}"
req PUT "/sets/${K}s?item=b&item=a&item=a%20b&item=%C3%A9&item=B"
expect_json set-put-returns-set-sorted-bytewise 200 "{\"set\": \"${K}s\", \"items\": [\"B\", \"a\", \"a b\", \"b\", \"\u00e9\"]}"
check set-http-to-resp $'B\na\na b\nb\né' "$(cli SMEMBERS "${K}s" | LC_ALL=C sort)"
check set-type-resp "set" "$(cli TYPE "${K}s")"
req PUT "/sets/${K}s?item=a&item=z"
expect_json set-put-existing-item 200 "{\"set\": \"${K}s\", \"items\": [\"B\", \"a\", \"a b\", \"b\", \"z\", \"\u00e9\"]}"
req DELETE "/sets/${K}s?item=a&item=B&item=nope"
expect_json set-delete-returns-set 200 "{\"set\": \"${K}s\", \"items\": [\"a b\", \"b\", \"z\", \"\u00e9\"]}"
cli SADD "${K}s" c 1 >/dev/null
req GET "/sets/${K}s"
expect_json set-resp-sadd-http-get 200 "{\"set\": \"${K}s\", \"items\": [\"1\", \"a b\", \"b\", \"c\", \"z\", \"\u00e9\"]}"
req DELETE "/sets/${K}s?item=1&item=a%20b&item=b&item=c&item=z&item=%C3%A9"
expect_json set-delete-all 200 "{\"set\": \"${K}s\", \"items\": []}"
check set-delete-all-key-gone "0" "$(cli EXISTS "${K}s")"
req DELETE "/sets/${K}nos?item=x"
expect_json set-delete-on-missing 200 "{\"set\": \"${K}nos\", \"items\": []}"
req PUT "/sets/${K}s"
expect_problem set-put-no-item-400 400 "Bad request" "/sets/${K}s"
req DELETE "/sets/${K}s"
expect_problem set-delete-no-item-400 400 "Bad request" "/sets/${K}s"

# --- /flags ------------------------------------------------------------------------------------
req GET "/flags/${K}f"
expect_json flag-get-missing-false 200 '{"value": false}'
check flag-get-missing-not-created "0" "$(cli EXISTS "${K}f")"
req PUT "/flags/${K}f?value=true"
expect_json flag-put-true 200 '{"value": true}'
check flag-true-resp "true" "$(cli GET "${K}f")"
req GET "/flags/${K}f"
expect_json flag-get-true 200 '{"value": true}'
req PUT "/flags/${K}f?value=FALSE"
expect_json flag-put-false-any-case 200 '{"value": false}'
check flag-false-resp "false" "$(cli GET "${K}f")"
req GET "/flags/${K}f"
expect_json flag-get-false 200 '{"value": false}'
for v in 1 TRUE; do
  cli SET "${K}f2" "$v" >/dev/null
  req GET "/flags/${K}f2"
  expect_json "flag-resp-$v-is-true" 200 '{"value": true}'
done
for v in 0 False; do
  cli SET "${K}f2" "$v" >/dev/null
  req GET "/flags/${K}f2"
  expect_json "flag-resp-$v-is-false" 200 '{"value": false}'
done
cli SET "${K}f3" maybe >/dev/null
req GET "/flags/${K}f3"
expect_problem flag-get-not-a-flag-409 409 "Not a flag" "/flags/${K}f3"
for v in yes 1 ''; do
  req PUT "/flags/${K}f?value=$v"
  expect_problem "flag-put-value-'$v'-400" 400 "Bad request" "/flags/${K}f"
done
req PUT "/flags/${K}f"
expect_problem flag-put-no-value-400 400 "Bad request" "/flags/${K}f"
check flag-400-unchanged "false" "$(cli GET "${K}f")"

# --- keys: %2F, decoded once, UTF-8, bytes that are not UTF-8 -------------------------------------
req PUT "/kv/${K}a%2Fb" --data-binary 'slash'
expect key-percent-2f-put 204 "" ""
check key-percent-2f-is-slash "slash" "$(cli GET "${K}a/b")"
req GET "/kv/${K}a%2Fb"
check key-percent-2f-get "200 slash" "$CODE $BODY"
req GET "/kv/${K}a/b"
check key-literal-slash-same-key "200 slash" "$CODE $BODY"
cli SET "${K}x/y" 5 >/dev/null
req GET "/counters/${K}x%2Fy"
expect_json key-slash-counter-name 200 "{\"counter\": \"${K}x/y\", \"value\": 5}"
req PUT "/kv/${K}p%252F" --data-binary 'once'
check key-decoded-once "once" "$(cli GET "${K}p%2F")"
req PUT "/kv/${K}q%3Fr%20s" --data-binary 'qmark'
check key-percent-query-and-space "qmark" "$(cli GET "${K}q?r s")"
req PUT "/kv/${K}%C3%A9t%C3%A9" --data-binary 'utf8'
expect key-utf8-put 204 "" ""
check key-utf8-resp "utf8" "$(cli GET "${K}été")"
req GET "/kv/${K}été"
check key-utf8-unencoded-get "200 utf8" "$CODE $BODY"
cli SET "${K}ключ" 'cyrillic' >/dev/null
req GET "/kv/${K}%D0%BA%D0%BB%D1%8E%D1%87"
check key-utf8-resp-to-http "200 cyrillic" "$CODE $BODY"
req POST "/counters/${K}%E2%82%AC"
expect_json key-utf8-counter-name 200 "{\"counter\": \"${K}€\", \"value\": 1}"
cli SET "${K}"$'\xff\x01' 'not utf8' >/dev/null
req GET "/kv/${K}%FF%01"
check key-non-utf8-bytes "200 not utf8" "$CODE $BODY"
req GET "/kv/${K}%zz"
expect_problem key-bad-percent-400 400 "Bad request" "/kv/${K}%zz"
req GET "/kv/${K}%4"
expect_problem key-truncated-percent-400 400 "Bad request" "/kv/${K}%4"
for r in cache kv counters sets flags; do
  req GET "/$r/"
  expect_problem "key-empty-$r-400" 400 "Bad request" "/$r/"
done

# --- ?db=N -------------------------------------------------------------------------------------
req PUT "/kv/${K}dbk?db=3" --data-binary 'in db 3'
expect db-kv-put 204 "" ""
check db-kv-resp-select "in db 3" "$(cli -n 3 GET "${K}dbk")"
check db-kv-not-in-db0 "0" "$(cli EXISTS "${K}dbk")"
req GET "/kv/${K}dbk"
expect_problem db-kv-get-db0-404 404 "Not found" "/kv/${K}dbk"
req GET "/kv/${K}dbk?db=3"
check db-kv-get "200 in db 3" "$CODE $BODY"
req PUT "/cache/${K}dbc?db=2&ttl=100" --data-binary 'c2'
in_range db-cache-resp-ttl 98 100 "$(cli -n 2 TTL "${K}dbc")"
req GET "/cache/${K}dbc?db=1"
check db-cache-other-db-404 404 "$CODE"
req POST "/counters/${K}dbn?db=1&increment=5"
expect_json db-counter-post 200 "{\"counter\": \"${K}dbn\", \"value\": 5}"
cli -n 1 INCRBY "${K}dbn" 2 >/dev/null
req GET "/counters/${K}dbn?db=1"
expect_json db-counter-resp-incrby 200 "{\"counter\": \"${K}dbn\", \"value\": 7}"
req GET "/counters/${K}dbn"
expect_json db-counter-db0-isolated 200 "{\"counter\": \"${K}dbn\", \"value\": 0}"
req PUT "/sets/${K}dbs?db=2&item=x"
expect_json db-set-put 200 "{\"set\": \"${K}dbs\", \"items\": [\"x\"]}"
check db-set-resp "x" "$(cli -n 2 SMEMBERS "${K}dbs")"
req GET "/sets/${K}dbs"
expect_json db-set-db0-isolated 200 "{\"set\": \"${K}dbs\", \"items\": []}"
req DELETE "/sets/${K}dbs?db=2&item=x"
expect_json db-set-delete 200 "{\"set\": \"${K}dbs\", \"items\": []}"
req PUT "/flags/${K}dbf?db=15&value=true"
check db-flag-resp "true" "$(cli -n 15 GET "${K}dbf")"
req GET "/flags/${K}dbf"
expect_json db-flag-db0-isolated 200 '{"value": false}'
req GET "/flags/${K}dbf?db=15"
expect_json db-flag-get 200 '{"value": true}'
req DELETE "/cache/${K}dbc?db=2"
expect db-cache-delete 204 "" ""
req DELETE "/kv/${K}dbk"
check db-kv-delete-db0-404 404 "$CODE"
req DELETE "/kv/${K}dbk?db=3"
expect db-kv-delete 204 "" ""
check db-kv-delete-resp-gone "0" "$(cli -n 3 EXISTS "${K}dbk")"
cli -n 15 DEL "${K}dbf" >/dev/null
# a bad db is 400 on every route and method
for rm in "GET cache" "PUT cache" "DELETE cache" "GET kv" "PUT kv" "DELETE kv" "GET counters" \
          "PUT counters" "POST counters" "GET sets" "PUT sets" "DELETE sets" "GET flags" "PUT flags"; do
  read -r m r <<<"$rm"
  for db in 16 -1 x; do
    req "$m" "/$r/${K}baddb?db=$db&item=i&value=true" --data-binary v
    expect_problem "db-$db-$m-$r-400" 400 "Bad request" "/$r/${K}baddb"
  done
done
check db-bad-nothing-written "0" "$(cli EXISTS "${K}baddb")"

# --- the other 400s ------------------------------------------------------------------------------
req PUT "/cache/${K}t?ttl=1&ttl_ms=1000" --data-binary v
expect_problem cache-ttl-and-ttl-ms-400 400 "Bad request" "/cache/${K}t"
req PUT "/cache/${K}t?ttl=-1" --data-binary v
expect_problem cache-ttl-negative-400 400 "Bad request" "/cache/${K}t"
req PUT "/cache/${K}t?ttl=1.5" --data-binary v
expect_problem cache-ttl-fraction-400 400 "Bad request" "/cache/${K}t"
req PUT "/cache/${K}t?ttl_ms=soon" --data-binary v
expect_problem cache-ttl-ms-text-400 400 "Bad request" "/cache/${K}t"
check cache-400-nothing-written "0" "$(cli EXISTS "${K}t")"
req PUT "/counters/${K}n?increment=abc"
expect_problem counter-increment-text-400 400 "Bad request" "/counters/${K}n"
req POST "/counters/${K}n?increment=9223372036854775808"
expect_problem counter-increment-too-big-400 400 "Bad request" "/counters/${K}n"
check counter-400-unchanged "100" "$(cli GET "${K}n")"

# --- 409: every read or write of a key of the wrong type --------------------------------------
cli SADD "${K}aset" m >/dev/null
cli SET "${K}astr" v >/dev/null
for mr in "GET cache" "GET kv" "GET counters" "PUT counters" "POST counters" "GET flags"; do
  read -r m r <<<"$mr"
  req "$m" "/$r/${K}aset"
  expect_problem "wrongtype-$m-$r-on-set-409" 409 "Wrong type" "/$r/${K}aset"
done
for m in GET PUT DELETE; do
  req "$m" "/sets/${K}astr?item=x"
  expect_problem "wrongtype-$m-sets-on-string-409" 409 "Wrong type" "/sets/${K}astr"
done
check wrongtype-set-unchanged "m" "$(cli SMEMBERS "${K}aset")"
check wrongtype-string-unchanged "v" "$(cli GET "${K}astr")"
# string writes replace a set, as SET does
req PUT "/kv/${K}aset" --data-binary 'now a string'
check kv-put-replaces-set "204 string" "$CODE $(cli TYPE "${K}aset")"
req DELETE "/kv/${K}aset"
check kv-delete-any-type "204 0" "$CODE $(cli EXISTS "${K}aset")"

# --- methods a route does not have ------------------------------------------------------------
req POST "/kv/${K}m" --data-binary v
check kv-post-405 "405 DELETE, GET, PUT" "$CODE $(sed -n 's/^Allow: //Ip' <(curl -sS --max-time 10 -X POST -D - -o /dev/null "$BASE/kv/${K}m") | tr -d '\r')"
req POST "/kv/${K}m" --data-binary v
expect_problem kv-post-405-problem 405 "Method not allowed" "/kv/${K}m"
req DELETE "/flags/${K}m"
expect_problem flags-delete-405 405 "Method not allowed" "/flags/${K}m"
req DELETE "/counters/${K}m"
expect_problem counters-delete-405 405 "Method not allowed" "/counters/${K}m"
req GET "/no-such-route/${K}"
expect_problem unknown-route-404 404 "Not found" "/no-such-route/${K}"

# --- OpenAPI -----------------------------------------------------------------------------------
req GET /openapi/v1.json
check openapi-status "200" "$CODE"
check openapi-content-type "application/json" "$(tr -d ' ' <<<"${CTYPE%%;*}")"
why=$("$PY" - "$TMP/body" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1], "rb"))
except Exception as e:
    print(f"not JSON: {e}"); sys.exit()
errors = []
if not str(doc.get("openapi", "")).startswith("3."):
    errors.append(f"openapi version {doc.get('openapi')!r}")
# every route and method, with the statuses this script sees from it
want = {
    "/cache/{key}": {"get": {"200", "400", "404", "409"}, "put": {"204", "400", "413", "507"}, "delete": {"204", "400", "404"}},
    "/kv/{key}": {"get": {"200", "400", "404", "409"}, "put": {"204", "400", "413", "507"}, "delete": {"204", "400", "404"}},
    "/counters/{key}": {"get": {"200", "400", "409"}, "put": {"200", "400", "409", "507"}, "post": {"200", "400", "409", "507"}},
    "/sets/{key}": {"get": {"200", "400", "409"}, "put": {"200", "400", "409", "507"}, "delete": {"200", "400", "409"}},
    "/flags/{key}": {"get": {"200", "400", "409"}, "put": {"200", "400", "507"}},
}
extra_params = {("/cache/{key}", "put"): {"ttl", "ttl_ms", "value"}, ("/counters/{key}", "put"): {"increment"},
                ("/counters/{key}", "post"): {"increment"}, ("/sets/{key}", "put"): {"item"},
                ("/sets/{key}", "delete"): {"item"}, ("/flags/{key}", "put"): {"value"}}
paths = doc.get("paths", {})
for path, methods in want.items():
    ops = paths.get(path)
    if ops is None:
        errors.append(f"{path} missing"); continue
    listed = {m for m in ops if m in ("get", "put", "post", "delete", "patch", "head")}
    if listed != set(methods):
        errors.append(f"{path} methods {sorted(listed)}, expected {sorted(methods)}")
    for m, statuses in methods.items():
        op = ops.get(m)
        if op is None:
            continue
        params = {(p.get("name"), p.get("in")): p for p in op.get("parameters", []) + ops.get("parameters", [])}
        db = params.get(("db", "query"))
        if db is None:
            errors.append(f"{m.upper()} {path}: no db query parameter")
        elif db.get("schema", {}).get("type") != "integer" or db.get("required"):
            errors.append(f"{m.upper()} {path}: db parameter {db}")
        if ("key", "path") not in params:
            errors.append(f"{m.upper()} {path}: no key path parameter")
        for q in extra_params.get((path, m), ()):
            if (q, "query") not in params:
                errors.append(f"{m.upper()} {path}: no {q} query parameter")
        documented = set(op.get("responses", {}))
        if not statuses <= documented:
            errors.append(f"{m.upper()} {path}: responses {sorted(documented)} lack {sorted(statuses - documented)}")
print("; ".join(errors))
EOF
)
if [ -z "$why" ]; then pass openapi-every-path-method-db-param; else fail openapi-every-path-method-db-param "$why"; fi

# --- 413 and 507: a small node of our own -------------------------------------------------------
small_node() {
  [ -x "$PURPLE_BIN" ] || { fail small-node "no server binary at $PURPLE_BIN (build Purple.Node, or set PURPLE_BIN)"; return 1; }
  local ports
  ports=$("$PY" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
  read -r SMALL_RESP SMALL_HTTP <<<"$ports"
  "$PURPLE_BIN" --host 127.0.0.1 --resp-port "$SMALL_RESP" --memcached-port 0 --http-port "$SMALL_HTTP" \
    --grpc-port 0 --capacity 1MB --eviction none --proto-max-bulk-len 64KB </dev/null >"$TMP/small-node.log" 2>&1 &
  SMALL_PID=$!
  SMALL="http://127.0.0.1:$SMALL_HTTP"
  local deadline=$((SECONDS + ${READY_TIMEOUT:-60}))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$SMALL_PID" 2>/dev/null || { fail small-node "exited early: $(show "$(cat "$TMP/small-node.log")")"; SMALL_PID=""; return 1; }
    [ "$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$SMALL/healthz" 2>/dev/null)" = 200 ] && { pass small-node; return 0; }
    sleep 0.25
  done
  fail small-node "no /healthz within ${READY_TIMEOUT:-60} s: $(show "$(cat "$TMP/small-node.log")")"
  return 1
}
scli() { timeout "$T" redis-cli -h 127.0.0.1 -p "$SMALL_RESP" --raw "$@" 2>&1; }

if small_node; then
  head -c 65536 /dev/urandom > v64k
  head -c 65537 /dev/urandom > v64k1
  # 413: a body over --proto-max-bulk-len (64KB), with a Content-Length and chunked
  req -b "$SMALL" PUT /kv/limit -H 'Content-Type:' --data-binary @v64k
  expect kv-put-at-limit 204 "" ""
  req -b "$SMALL" PUT /kv/limit -H 'Content-Type:' --data-binary @v64k1
  expect_problem kv-put-over-limit-413 413 "Value too large" "/kv/limit"
  req -b "$SMALL" GET /kv/limit
  if [ "$CODE" = 200 ] && cmp -s v64k "$TMP/body"; then pass kv-413-keeps-old-value; else fail kv-413-keeps-old-value "$CODE, body differs"; fi
  req -b "$SMALL" PUT "/cache/big?ttl=60" --data-binary @v64k1
  expect_problem cache-put-over-limit-413 413 "Value too large" "/cache/big"
  check cache-413-nothing-written "0" "$(scli EXISTS big)"
  req -b "$SMALL" PUT /kv/chunked -H 'Transfer-Encoding: chunked' --data-binary @v64k1
  expect_problem kv-put-chunked-over-limit-413 413 "Value too large" "/kv/chunked"
  req -b "$SMALL" PUT "/cache/chunked?ttl=60" -H 'Transfer-Encoding: chunked' --data-binary @v64k1
  expect_problem cache-put-chunked-over-limit-413 413 "Value too large" "/cache/chunked"
  req -b "$SMALL" PUT /kv/chunked-ok -H 'Transfer-Encoding: chunked' -H 'Content-Type:' --data-binary @v64k
  expect kv-put-chunked-at-limit 204 "" ""
  scli DEL limit chunked-ok >/dev/null
  # 507: fill the 1MB (eviction none) with ever smaller values until writes are refused
  codes="" n=0
  for size in 65536 4096 256 16; do
    head -c "$size" /dev/zero > fill
    for _ in $(seq 1 $((1048576 / size + 10))); do
      n=$((n + 1))
      req -b "$SMALL" PUT "/kv/fill$n" -H 'Content-Type:' --data-binary @fill
      codes+=" $CODE"
      [ "$CODE" = 204 ] || break
    done
  done
  check fill-until-507 "204 507" "$(tr ' ' '\n' <<<"$codes" | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//')"
  req -b "$SMALL" PUT /kv/more -H 'Content-Type:' --data-binary 'x'
  expect_problem kv-put-507 507 "Out of memory" "/kv/more"
  req -b "$SMALL" PUT "/cache/more?ttl=60" --data-binary 'x'
  expect_problem cache-put-507 507 "Out of memory" "/cache/more"
  req -b "$SMALL" POST /counters/morec
  expect_problem counter-post-507 507 "Out of memory" "/counters/morec"
  req -b "$SMALL" PUT /counters/morec
  expect_problem counter-put-507 507 "Out of memory" "/counters/morec"
  req -b "$SMALL" PUT "/sets/mores?item=a"
  expect_problem set-put-507 507 "Out of memory" "/sets/mores"
  req -b "$SMALL" PUT "/flags/moref?value=true"
  expect_problem flag-put-507 507 "Out of memory" "/flags/moref"
  check 507-nothing-written "0" "$(scli EXISTS more morec mores moref)"
  req -b "$SMALL" GET /kv/fill1
  check 507-reads-still-work "200 65536" "$CODE $(wc -c < "$TMP/body")"
  for i in 1 2 3; do req -b "$SMALL" DELETE "/kv/fill$i"; done
  req -b "$SMALL" PUT /kv/more -H 'Content-Type:' --data-binary 'x'
  check 507-write-after-delete "204" "$CODE"
  if grep -q 'An unhandled exception' "$TMP/small-node.log"; then
    fail small-node-no-unhandled-exceptions "$(grep -m1 -o 'An unhandled exception.\{0,200\}' "$TMP/small-node.log")"
  else pass small-node-no-unhandled-exceptions; fi
fi

# --- clean up our keys -------------------------------------------------------------------------
for db in 0 1 2 3; do
  timeout "$T" redis-cli -h "$HOST" -p "$RESP_PORT" -n "$db" --scan --pattern "${K}*" 2>/dev/null |
    while IFS= read -r key; do cli -n "$db" DEL "$key" </dev/null >/dev/null; done
done
cli -n 0 DEL "${K}"$'\xff\x01' >/dev/null
check cleanup "0" "$(timeout "$T" redis-cli -h "$HOST" -p "$RESP_PORT" --scan --pattern "${K}*" | wc -l | tr -d ' ')"

finish
