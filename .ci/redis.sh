#!/usr/bin/env bash
# A throw-away Redis for the job tests: install Debian's redis-server where missing, start one on a loopback
# port with nothing written to disk, stop it. The tests call `start` on a free port (tests/jobs/conftest.py).
set -euo pipefail
action=${1:?install|start|stop}; dir=${2:-/tmp/incubator-redis}; port=${3:-63790}
case "$action" in
  install)
    if ! command -v redis-server >/dev/null 2>&1; then
      echo "installing: redis-server"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    fi
    ;;
  start)
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 1 50); do
      if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then echo "Redis ready on 127.0.0.1:$port"; exit 0; fi
      sleep 0.1
    done
    echo "Redis did not start (see $dir/redis.log)" >&2; exit 1
    ;;
  stop)
    if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; rm -f "$dir/redis.pid"; fi
    ;;
esac
