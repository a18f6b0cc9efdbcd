#!/usr/bin/env bash
# Drive the libmemcached command-line tools (Debian's libmemcached-tools 1.1.4: memccp memccat
# memcrm memcstat memcslap memcflush memctouch memcexist memcping memccapable) against a running
# memcached text-protocol server, as a user would, comparing their output and exit codes with
# what they give against memcached 1.6.18.
#
# usage: tests/interop/memcached_tools.sh [-h HOST] [PORT]
#   PORT defaults to $PURPLE_MEMCACHED_PORT, HOST to $PURPLE_HOST or 127.0.0.1.
# Prints one line per check, `PASS name` or `FAIL name: why`, and at the end
# `memcached-tools: N passed, N failed` (test.sh parses that line). Exit 0 only if all passed.
# WARNING: it flushes the target (memcflush, memccapable).
set -uo pipefail

HOST=${PURPLE_HOST:-127.0.0.1}
if [ "${1:-}" = -h ]; then HOST=$2; shift 2; fi
PORT=${1:-${PURPLE_MEMCACHED_PORT:-}}
[ -n "$PORT" ] || { echo "usage: $0 [-h HOST] PORT (or set PURPLE_MEMCACHED_PORT)" >&2; exit 2; }
PY=/usr/bin/python3
S="$HOST:$PORT"
T=${TOOL_TIMEOUT:-60}                # seconds per tool invocation
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
show() { printf '%s' "$1" | head -c 300 | sed -e ':a;N;$!ba;s/\n/\\n/g'; }
finish() { echo "memcached-tools: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# check NAME EXPECTED ACTUAL
check() {
  if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected '$(show "$2")', got '$(show "$3")'"; fi
}
# check_rc NAME EXPECTED_RC ACTUAL_RC [OUTPUT]
check_rc() {
  if [ "$2" -eq "$3" ]; then pass "$1"; else fail "$1" "exit $3, expected $2 ($(show "${4:-}"))"; fi
}

# tool NAME ARGS... : a libmemcached tool on the target, bounded in time, stdout+stderr merged
tool() { local t=$1; shift; timeout "$T" "$t" -s "$S" "$@" 2>&1; }

# mstat NAME [GROUP] : one value from memcstat's "\tname: value" lines
mstat() { timeout "$T" memcstat -s "$S" ${2:+"$2"} 2>/dev/null | sed -n "s/^[[:space:]]*$1: //p" | head -1; }

# meta LINE : one reply line of a raw command (for what the tools cannot show, e.g. a TTL)
meta() {
  "$PY" - "$HOST" "$PORT" "$1" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(sys.argv[3].encode() + b"\r\n")
buf = b""
while b"\r\n" not in buf:
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
print(buf.split(b"\r\n")[0].decode())
EOF
}

# in_range NAME LOW HIGH VALUE
in_range() {
  if [[ "$4" =~ ^-?[0-9]+$ ]] && [ "$4" -ge "$2" ] && [ "$4" -le "$3" ]; then pass "$1"
  else fail "$1" "expected $2..$3, got '$(show "$4")'"; fi
}

# --- tools present, server up ---------------------------------------------------------------
for t in memccp memccat memcrm memcstat memcslap memcflush memctouch memcexist memcping memccapable; do
  command -v "$t" >/dev/null || fail "tool-$t" "not installed (Debian package libmemcached-tools)"
done
[ "$failed" -eq 0 ] || finish

out=$(tool memcping); rc=$?
if [ "$rc" -ne 0 ]; then fail memcping "no memcached server at $S ($(show "$out"))"; finish; fi
pass memcping

# --- memcstat -S, memcflush ----------------------------------------------------------------
out=$(tool memcstat -S)
if [[ "$out" =~ ^$HOST:$PORT\ [0-9]+\.[0-9]+\.[0-9]+ ]]; then pass memcstat-server-version
else fail memcstat-server-version "got '$(show "$out")'"; fi

out=$(tool memcflush); check_rc memcflush 0 $? "$out"

# --- memccp / memccat: bytes in, the same bytes out ----------------------------------------
cd "$TMP" || exit 1
"$PY" -c 'import os, sys; sys.stdout.buffer.write(bytes(range(256)) + b"\r\nEND\r\n" + os.urandom(5000))' > blob.bin
printf 'hello\r\nworld' > text.txt
out=$(tool memccp blob.bin text.txt); check_rc memccp 0 $? "$out"
tool memccat -f "$TMP/blob.out" blob.bin >/dev/null
if cmp -s blob.bin blob.out; then pass memccat-file-identical
else fail memccat-file-identical "memccat -f wrote $(wc -c < blob.out 2>/dev/null || echo no) bytes, expected $(wc -c < blob.bin)"; fi
# on stdout memccat ends each value with a newline
check memccat-stdout $'hello\r\nworld\n|' "$(timeout "$T" memccat -s "$S" text.txt; echo '|')"
out=$(tool memccat nosuchkey); check_rc memccat-missing 1 $? "$out"

# flags and expiry set by memccp, flags shown by memccat -F, TTL seen on the wire
out=$(tool memccp --flags=123 --expire=100 text.txt); check_rc memccp-flags-expire 0 $? "$out"
check memccat-flags "123" "$(tool memccat --flags text.txt | head -1)"
ttl=$(meta "mg text.txt t" | sed -n 's/^HD t//p')
in_range memccp-expire-ttl 98 100 "$ttl"

# --add / --replace
out=$(tool memccp --add text.txt); check_rc memccp-add-existing 1 $? "$out"
out=$(tool memcrm blob.bin); check_rc memcrm 0 $? "$out"
out=$(tool memccp --replace blob.bin); check_rc memccp-replace-missing 1 $? "$out"
out=$(tool memccp --add blob.bin); check_rc memccp-add-new 0 $? "$out"
out=$(tool memccp --replace blob.bin); check_rc memccp-replace-existing 0 $? "$out"
tool memccat -f "$TMP/blob.out2" blob.bin >/dev/null
cmp -s blob.bin blob.out2 && pass memccp-replace-content || fail memccp-replace-content "bytes differ"

# --- memcexist / memctouch / memcrm --------------------------------------------------------
out=$(tool memcexist text.txt); check_rc memcexist-present 0 $? "$out"
out=$(tool memcexist nosuchkey); check_rc memcexist-missing 1 $? "$out"
out=$(tool memctouch --expire=500 text.txt); check_rc memctouch 0 $? "$out"
ttl=$(meta "mg text.txt t" | sed -n 's/^HD t//p')
in_range memctouch-ttl 498 500 "$ttl"
out=$(tool memctouch --expire=500 nosuchkey); check_rc memctouch-missing 1 $? "$out"
out=$(tool memcrm text.txt); check_rc memcrm-text 0 $? "$out"
out=$(tool memcexist text.txt); check_rc memcexist-after-rm 1 $? "$out"
out=$(tool memcrm text.txt); check_rc memcrm-missing 1 $? "$out"
check memcrm-gone "EN" "$(meta 'mg text.txt v')"

# --- memcstat ------------------------------------------------------------------------------
out=$(tool memcstat)
if [[ "$out" == "Server: $HOST ($PORT)"* ]]; then pass memcstat-header
else fail memcstat-header "got '$(show "$out")'"; fi
missing=""
for f in pid uptime time version curr_connections total_connections cmd_get cmd_set get_hits \
         get_misses curr_items total_items bytes limit_maxbytes threads; do
  grep -qE "^[[:space:]]+$f: " <<<"$out" || missing+=" $f"
done
check memcstat-fields "" "$missing"
in_range memcstat-curr-items 1 1000000 "$(mstat curr_items)"      # blob.bin is stored
check memcstat-version "$(tool memcstat -S | cut -d' ' -f2)" "$(mstat version)"
check memcstat-settings-item-size-max "1048576" "$(mstat item_size_max settings)"

# --- memcslap: short bounded load, no failures, counted by the server ----------------------
# slap NAME TEST N -> runs memcslap; sets SLAP_OUT
slap() {
  SLAP_OUT=$(timeout "$T" memcslap -s "$S" --concurrency=2 --execute-number="$3" --test="$2" 2>&1)
  local rc=$?
  if [ "$rc" -ne 0 ] || grep -qiE 'error|fail' <<<"$SLAP_OUT"; then
    fail "$1" "exit $rc: $(show "$SLAP_OUT")"; return 1
  fi
}
set0=$(mstat cmd_set)
if slap memcslap-set set 1000; then
  check memcslap-set "Time to set 2000 keys by 2 threads" \
    "$(grep -oE 'Time to set +[0-9]+ keys by +[0-9]+ threads' <<<"$SLAP_OUT" | tr -s ' ')"
  check memcslap-set-counted 2000 "$(( $(mstat cmd_set) - set0 ))"
fi
get0=$(mstat cmd_get) hit0=$(mstat get_hits)
if slap memcslap-get get 1000; then
  check memcslap-get "Time to get 2000 keys by 2 threads" \
    "$(grep -oE 'Time to get +[0-9]+ keys by +[0-9]+ threads' <<<"$SLAP_OUT" | tr -s ' ')"
  check memcslap-get-hits "2000 2000" "$(( $(mstat cmd_get) - get0 )) $(( $(mstat get_hits) - hit0 ))"
fi
get0=$(mstat cmd_get) hit0=$(mstat get_hits)
if slap memcslap-mget mget 500; then
  check memcslap-mget "Time to mget 1000 keys by 2 threads" \
    "$(grep -oE 'Time to mget +[0-9]+ keys by +[0-9]+ threads' <<<"$SLAP_OUT" | tr -s ' ')"
  check memcslap-mget-hits "1000 1000" "$(( $(mstat cmd_get) - get0 )) $(( $(mstat get_hits) - hit0 ))"
fi

# --- memcflush empties it ------------------------------------------------------------------
out=$(tool memccp blob.bin); check_rc memccp-before-flush 0 $? "$out"
out=$(tool memcflush); check_rc memcflush-again 0 $? "$out"
out=$(tool memcexist blob.bin); check_rc memcflush-emptied 1 $? "$out"

# --- memccapable: libmemcached's ascii protocol conformance run ----------------------------
out=$(timeout "$T" memccapable -h "$HOST" -p "$PORT" -a -t 10 2>&1); rc=$?
if [ "$rc" -eq 0 ] && grep -q '^All tests passed' <<<"$out" && ! grep -q '\[FAIL\]' <<<"$out"; then
  pass "memccapable-ascii ($(grep -c '\[pass\]' <<<"$out") checks)"
else
  fail memccapable-ascii "exit $rc: $(grep -v '\[pass\]' <<<"$out" | head -5 | tr '\n' ' ')"
fi

finish
