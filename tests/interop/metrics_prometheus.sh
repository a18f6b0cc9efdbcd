#!/usr/bin/env bash
# /metrics of a running Purple, checked by Prometheus's own tools: promtool's linter on the exposition, then
# a real Prometheus server (Debian's prometheus) scraping the node, queried through its HTTP API.
#
# usage: tests/interop/metrics_prometheus.sh HTTP_PORT RESP_PORT
# Needs promtool, prometheus, curl, redis-cli and python3. Ends with "metrics: N passed, N failed".
set -uo pipefail
HOST=${PURPLE_HOST:-127.0.0.1}
HTTP_PORT=${1:?usage: metrics_prometheus.sh HTTP_PORT RESP_PORT}
RESP_PORT=${2:?usage: metrics_prometheus.sh HTTP_PORT RESP_PORT}
PY=${PY:-/usr/bin/python3}
TMP=$(mktemp -d)
PROM_PID=""
passed=0 failed=0

cleanup() {
  [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "metrics: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
check() { if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi; }

for tool in promtool prometheus curl redis-cli; do
  command -v "$tool" >/dev/null || { fail "tool-$tool" "$tool is not installed"; finish; }
done

# Traffic on RESP so the command series below exist whatever ran before.
for i in 1 2 3; do redis-cli -h "$HOST" -p "$RESP_PORT" SET "metrics:k$i" v >/dev/null; done
redis-cli -h "$HOST" -p "$RESP_PORT" GET metrics:k1 >/dev/null

# --- the exposition -----------------------------------------------------------------------------
headers=$(curl -sS --max-time 10 -D - -o "$TMP/metrics.txt" "http://$HOST:$HTTP_PORT/metrics" | tr -d '\r')
check metrics-status "HTTP/1.1 200 OK" "$(head -1 <<<"$headers")"
check metrics-content-type "content-type: text/plain; version=0.0.4; charset=utf-8" \
  "$(grep -i '^content-type:' <<<"$headers" | tr 'A-Z' 'a-z')"
if lint=$(promtool check metrics <"$TMP/metrics.txt" 2>&1); then pass promtool-check-metrics
else fail promtool-check-metrics "$(head -c 600 <<<"$lint")"; fi

# series_value SERIES : the value of one exact series line, or "missing"
series_value() { awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print "missing" }' "$TMP/metrics.txt"; }
at_least() {  # at_least NAME MIN VALUE
  if "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[2]) >= float(sys.argv[1]) else 1)' "$2" "$3" 2>/dev/null; then pass "$1"
  else fail "$1" "expected >= $2, got '$3'"; fi
}
at_least resp-set-counted 3 "$(series_value 'purple_commands_total{command="set",protocol="resp"}')"
at_least resp-set-histogram 3 "$(series_value 'purple_command_duration_seconds_count{protocol="resp",command="set"}')"
at_least resp-set-inf-bucket 3 "$(series_value 'purple_command_duration_seconds_bucket{protocol="resp",command="set",le="+Inf"}')"
at_least memory-used 1 "$(series_value 'purple_memory_used_bytes')"
at_least keys-db0 3 "$(series_value 'purple_keys{db="0"}')"
at_least http-connections-received 1 "$(series_value 'purple_connections_received_total{protocol="http"}')"
at_least process-cpu 0.001 "$(series_value 'process_cpu_seconds_total')"
for family in purple_keyspace_hits_total purple_keyspace_misses_total purple_expired_keys_total purple_evicted_keys_total \
    purple_rejected_total purple_writes_rejected_total purple_connections purple_memory_capacity_bytes process_open_fds \
    dotnet_gc_collections_total; do
  if grep -q "^# TYPE $family " "$TMP/metrics.txt"; then pass "family-$family"; else fail "family-$family" "no # TYPE line"; fi
done
if grep -q 'metrics:k\|"v"' "$TMP/metrics.txt"; then fail no-keys-or-values-in-metrics "a key or value appears"
else pass no-keys-or-values-in-metrics; fi

# --- a real Prometheus scraping the node ---------------------------------------------------------
PROM_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: purple
    static_configs:
      - targets: ["$HOST:$HTTP_PORT"]
YAML
if out=$(promtool check config "$TMP/prometheus.yml" 2>&1); then pass promtool-check-config; else fail promtool-check-config "$out"; fi
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!

# query EXPR : the first result's value from Prometheus's instant-query API, or "none"
query() {
  curl -sS --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    "$PY" -c 'import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "none")
except Exception:
    print("none")'
}
up="none"
for _ in $(seq 1 60); do
  up=$(query 'up{job="purple"}')
  [ "$up" = 1 ] && break
  sleep 0.5
done
check prometheus-scrapes-purple-up 1 "$up"
if [ "$up" = 1 ]; then
  health=$(curl -sS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/targets" | "$PY" -c 'import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"][0]
print(t["health"], repr(t["lastError"]))')
  check prometheus-target-healthy "up ''" "$health"
  at_least prometheus-recorded-resp-sets 3 "$(query 'sum(purple_commands_total{protocol="resp",command="set"})')"
  at_least prometheus-recorded-latency 3 "$(query 'sum(purple_command_duration_seconds_count{protocol="resp",command="set"})')"
  at_least prometheus-recorded-keys 3 "$(query 'sum(purple_keys)')"
  # Counts move in Prometheus's own storage: a first INCR, its sample, 20 more, and a later sample 20 higher.
  incr='sum(purple_commands_total{protocol="resp",command="incr"})'
  redis-cli -h "$HOST" -p "$RESP_PORT" INCR metrics:n >/dev/null
  first="none"
  for _ in $(seq 1 40); do first=$(query "$incr"); [ "$first" != none ] && break; sleep 0.25; done
  for i in $(seq 1 20); do redis-cli -h "$HOST" -p "$RESP_PORT" INCR metrics:n >/dev/null; done
  grew="none"
  for _ in $(seq 1 40); do
    later=$(query "$incr")
    grew=$("$PY" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$first" "$later" 2>/dev/null || echo none)
    "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 20 else 1)' "$grew" 2>/dev/null && break
    sleep 0.25
  done
  at_least prometheus-sees-counter-grow 20 "$grew"
else
  tail -20 "$TMP/prometheus.log"
fi
redis-cli -h "$HOST" -p "$RESP_PORT" DEL metrics:k1 metrics:k2 metrics:k3 metrics:n >/dev/null
finish
