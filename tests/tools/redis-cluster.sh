#!/usr/bin/env bash
# A throwaway Redis Cluster of three masters on 127.0.0.1 (Debian's redis-server and redis-cli), for the
# --storage redis cluster tests.
#   tests/tools/redis-cluster.sh start DIR FIRST_PORT|auto [REPLICAS]
#       three masters on FIRST_PORT..FIRST_PORT+2 (and REPLICAS replicas of each on the ports after them, default 0);
#       waits for cluster_state:ok. "auto" takes the first run of ports from 19000 whose ports and cluster-bus ports
#       (+10000) nothing listens on, all below the ephemeral range (32768 up), where an outgoing connection could
#       take one between the check and the start.
#   tests/tools/redis-cluster.sh stop DIR
#   tests/tools/redis-cluster.sh start-node DIR PORT   # one stopped node again, with its saved cluster config
# Each node's log is DIR/<port>/redis.log. Prints the node addresses as redis:// URLs, comma-separated.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}

stop() {
  local pids=() pidfile pid
  for pidfile in "$dir"/*/redis.pid; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile" 2>/dev/null)")
  done
  for pid in "${pids[@]}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  return 0
}

start_node() {  # start_node PORT
  mkdir -p "$dir/$1"
  redis-server --bind 127.0.0.1 --port "$1" --cluster-enabled yes --cluster-config-file "$dir/$1/nodes.conf" \
    --cluster-node-timeout 2000 --save "" --appendonly no --dir "$dir/$1" --daemonize yes \
    --pidfile "$dir/$1/redis.pid" --logfile "$dir/$1/redis.log"
  for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server on port $1 did not answer PING; its log:" >&2
  tail -5 "$dir/$1/redis.log" >&2 2>/dev/null
  return 1
}

case $cmd in
  start-node) start_node "${3:?port}" ;;
  start)
    first=${3:?first port}; replicas=${4:-0}
    count=$((3 * (1 + replicas)))
    if [ "$first" = auto ]; then
      first=""
      for ((base = 19000; base + count + 10000 < 32768; base += 41)); do
        busy=0
        for ((port = base; port < base + count; port++)); do
          (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { busy=1; break; }
          (exec 3<>"/dev/tcp/127.0.0.1/$((port + 10000))") 2>/dev/null && { busy=1; break; }
        done
        [ "$busy" = 0 ] && { first=$base; break; }
      done
      [ -n "$first" ] || { echo "no free ports for a Redis Cluster below 22768" >&2; exit 1; }
    fi
    mkdir -p "$dir"
    addresses=() urls=() ports=()
    for ((port = first; port < first + count; port++)); do
      start_node "$port" || { stop; exit 1; }
      ports+=("$port"); addresses+=("127.0.0.1:$port"); urls+=("redis://127.0.0.1:$port")
    done
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 ||
      { cat "$dir/create.log" >&2; stop; exit 1; }
    for _ in $(seq 150); do
      ok=1
      for port in "${ports[@]}"; do
        redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
      done
      [ "$ok" = 1 ] && break
      sleep 0.2
    done
    [ "$ok" = 1 ] || { echo "redis cluster in $dir did not reach cluster_state:ok" >&2; stop; exit 1; }
    (IFS=,; echo "${urls[*]}")
    ;;
  stop) stop ;;
  *) echo "usage: $0 start DIR FIRST_PORT|auto [REPLICAS] | start-node DIR PORT | stop DIR" >&2; exit 2 ;;
esac
