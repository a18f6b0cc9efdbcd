#!/usr/bin/env bash
# What can be tested of docker/ without a Docker engine (none runs on this machine or in CI):
#   - docker-compose parses docker/compose.yml (`docker-compose config`, Debian's docker-compose);
#   - the Dockerfile has the shape DESIGN asks for (SDK build stage, ASP.NET runtime stage, non-root user,
#     /data volume, healthcheck, exec-form entrypoint);
#   - the command the image runs — its ENTRYPOINT and CMD, with /app mapped to a `dotnet publish` of
#     Purple.Node made exactly as the build stage makes it — starts on this machine, binds all interfaces,
#     serves RESP and HTTP, passes the image's HEALTHCHECK command, and stops cleanly on SIGTERM;
#   - compose.yml's command (with a password secret) refuses unauthenticated clients and serves with it,
#     keeping its data in the data directory across a restart;
#   - compose.redis.yml parses, and its two front ends' command, pointed at a redis-server started here,
#     serves the same data from both.
# usage: tests/interop/docker_image.sh        Ends with "docker: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PY:-/usr/bin/python3}
TMP=$(mktemp -d)
PID=""
passed=0 failed=0
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "docker: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
check() { if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi; }
DOCKERFILE=$ROOT/docker/Dockerfile

for tool in docker-compose dotnet redis-cli curl ss; do
  command -v "$tool" >/dev/null || { fail "tool-$tool" "$tool is not installed"; finish; }
done

# --- compose ----------------------------------------------------------------------------------
printf 'compose-secret\n' >"$TMP/purple_password.txt"
cp "$ROOT/docker/compose.yml" "$TMP/compose.yml"
if out=$(cd "$TMP" && docker-compose -f compose.yml --project-directory "$ROOT/docker" config 2>&1); then
  pass compose-config-parses
  grep -q 'purple-data:/data' <<<"$out" && pass compose-persistent-volume || fail compose-persistent-volume "no purple-data:/data"
  grep -q 'source: purple_password' <<<"$out" && pass compose-password-secret || fail compose-password-secret "no secret"
  grep -q 'dockerfile: docker/Dockerfile' <<<"$out" && pass compose-builds-the-dockerfile || fail compose-builds-the-dockerfile "$out"
else
  fail compose-config-parses "$out"
fi

# --- the Dockerfile's shape -------------------------------------------------------------------------
froms=$(grep -E '^FROM ' "$DOCKERFILE" | awk '{print $2}' | tr '\n' ' ')
check dockerfile-sdk-then-aspnet "mcr.microsoft.com/dotnet/sdk:10.0 mcr.microsoft.com/dotnet/aspnet:10.0 " "$froms"
user=$(grep -E '^USER ' "$DOCKERFILE" | tail -1 | awk '{print $2}')
if [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ]; then pass dockerfile-non-root-user; else fail dockerfile-non-root-user "USER '$user'"; fi
grep -qE '^VOLUME /data$' "$DOCKERFILE" && pass dockerfile-data-volume || fail dockerfile-data-volume "no VOLUME /data"
grep -qE '^HEALTHCHECK .* CMD \[' "$DOCKERFILE" && pass dockerfile-healthcheck || fail dockerfile-healthcheck "no exec-form HEALTHCHECK"

# exec_form INSTRUCTION : the JSON array of that instruction, one argument per line
exec_form() { "$PY" -c '
import json, re, sys
for line in open(sys.argv[1]):
    m = re.match(r"^" + sys.argv[2] + r"\s+(?:.*\bCMD\s+)?(\[.*\])\s*$", line)
    if m: value = json.loads(m.group(1))
print("\n".join(value))' "$DOCKERFILE" "$1"; }
mapfile -t ENTRY < <(exec_form ENTRYPOINT)
mapfile -t CMD < <(exec_form CMD)
mapfile -t HEALTH < <(exec_form HEALTHCHECK)
check dockerfile-entrypoint "/app/purple-node" "${ENTRY[*]}"

# --- the image's command, on this machine ---------------------------------------------------------------
if ! dotnet publish "$ROOT/Purple.Node/Purple.Node.csproj" -c Release -o "$TMP/app" -nodeReuse:false >"$TMP/publish.log" 2>&1; then
  fail publish "$(tail -5 "$TMP/publish.log")"; finish
fi
pass publish-like-the-build-stage
app() { local a; for a in "$@"; do printf '%s\n' "${a//\/app\//$TMP/app/}"; done; }
read -r RESP MC HTTP GRPC < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
export PURPLE__RespPort=$RESP PURPLE__MemcachedPort=$MC PURPLE__HttpPort=$HTTP PURPLE__GrpcPort=$GRPC
mapfile -t RUN < <(app "${ENTRY[@]}" "${CMD[@]}")
"${RUN[@]}" >"$TMP/node.log" 2>&1 &
PID=$!
mapfile -t PROBE < <(app "${HEALTH[@]}")
healthy=no
for _ in $(seq 1 120); do
  if PURPLE_HEALTHCHECK_URL="http://127.0.0.1:$HTTP/readyz" "${PROBE[@]}" >/dev/null 2>&1; then healthy=yes; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.25
done
check image-command-passes-its-healthcheck yes "$healthy"
if [ "$healthy" = yes ]; then
  check image-command-serves-resp PONG "$(redis-cli -p "$RESP" PING)"
  check image-command-serves-http "ok" "$(curl -s "http://127.0.0.1:$HTTP/healthz")"
  ss -ltn | grep -qE "0\.0\.0\.0:$RESP\b|\*:$RESP\b|\[::\]:$RESP\b" && pass image-command-binds-all-interfaces \
    || fail image-command-binds-all-interfaces "$(ss -ltn | grep ":$RESP" | head -2)"
  probe_down=$(PURPLE_HEALTHCHECK_URL="http://127.0.0.1:1/readyz" "${PROBE[@]}" >/dev/null 2>&1; echo $?)
  check healthcheck-fails-when-nothing-answers 1 "$probe_down"
else
  tail -20 "$TMP/node.log"
fi
kill -TERM "$PID"
rc=none
for _ in $(seq 1 60); do kill -0 "$PID" 2>/dev/null || { wait "$PID"; rc=$?; break; }; sleep 0.25; done
PID=""
check image-command-stops-cleanly-on-sigterm 0 "$rc"

# --- compose's command: a password from a secret file ----------------------------------------------------
mapfile -t COMPOSE_CMD < <("$PY" -c '
import re, sys, json
text = open(sys.argv[1]).read()
print("\n".join(json.loads(re.search(r"command:\s*(\[.*?\])", text, re.S).group(1))))' "$ROOT/docker/compose.yml")
mapfile -t RUN < <(app "${ENTRY[@]}" "${COMPOSE_CMD[@]}" | sed -e "s|^/run/secrets/purple_password\$|$TMP/purple_password.txt|" -e "s|^/data\$|$TMP/data|")
"${RUN[@]}" >"$TMP/node2.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$HTTP/readyz" >/dev/null && break; sleep 0.25; done
check compose-command-refuses-without-password "NOAUTH Authentication required." "$(redis-cli -p "$RESP" PING 2>&1)"
check compose-command-serves-with-password PONG "$(redis-cli --no-auth-warning -a compose-secret -p "$RESP" PING 2>&1)"
redis-cli --no-auth-warning -a compose-secret -p "$RESP" SET kept-on-the-volume yes >/dev/null 2>&1
kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
"${RUN[@]}" >"$TMP/node3.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$HTTP/readyz" >/dev/null && break; sleep 0.25; done
check compose-command-keeps-data-across-a-restart yes "$(redis-cli --no-auth-warning -a compose-secret -p "$RESP" GET kept-on-the-volume 2>&1)"
kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""

# --- compose.redis.yml: two front ends over one Redis -------------------------------------------------------
cp "$ROOT/docker/compose.redis.yml" "$TMP/compose.redis.yml"
if out=$(cd "$TMP" && docker-compose -f compose.redis.yml --project-directory "$ROOT/docker" config 2>&1); then
  pass compose-redis-config-parses
  for service in redis purple-a purple-b; do
    grep -qE "^  $service:" <<<"$out" && pass "compose-redis-service-$service" || fail "compose-redis-service-$service" "missing"
  done
  [ "$(grep -c -- '- redis://redis:6379/0' <<<"$out")" -eq 2 ] && pass compose-redis-both-front-ends-use-redis \
    || fail compose-redis-both-front-ends-use-redis "$out"
else
  fail compose-redis-config-parses "$out"
fi
mapfile -t FRONT_CMD < <("$PY" -c '
import re, sys, json
text = open(sys.argv[1]).read()
print("\n".join(json.loads(re.search(r"purple-b:.*?command:\s*(\[.*?\])", text, re.S).group(1))))' "$ROOT/docker/compose.redis.yml")
BACKEND_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$BACKEND_PORT" --save "" --dir "$TMP" >"$TMP/redis.log" 2>&1 &
BACKEND_PID=$!
for _ in $(seq 1 40); do redis-cli -p "$BACKEND_PORT" PING >/dev/null 2>&1 && break; sleep 0.1; done
start_front() {  # start_front RESP HTTP: the compose command with the secret and Redis mapped to this machine
  mapfile -t RUN < <(app "${ENTRY[@]}" "${FRONT_CMD[@]}" --resp-port "$1" --http-port "$2" --memcached-port 0 --grpc-port 0 \
    | sed -e "s|^/run/secrets/purple_password\$|$TMP/purple_password.txt|" -e "s|^redis://redis:6379/0\$|redis://127.0.0.1:$BACKEND_PORT/0|")
  "${RUN[@]}" >>"$TMP/fronts.log" 2>&1 &
}
read -r R1 H1 R2 H2 < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
start_front "$R1" "$H1"; PID_A=$!
start_front "$R2" "$H2"; PID_B=$!
for port in "$H1" "$H2"; do for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.25; done; done
redis-cli --no-auth-warning -a compose-secret -p "$R1" SET through-a hello >/dev/null 2>&1
check compose-redis-front-ends-share-data hello "$(redis-cli --no-auth-warning -a compose-secret -p "$R2" GET through-a 2>&1)"
check compose-redis-data-is-in-redis hello "$(redis-cli -p "$BACKEND_PORT" GET through-a 2>&1)"
kill -TERM "$PID_A" "$PID_B" 2>/dev/null; wait "$PID_A" "$PID_B" 2>/dev/null
kill "$BACKEND_PID" 2>/dev/null; wait "$BACKEND_PID" 2>/dev/null
finish
