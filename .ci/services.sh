#!/usr/bin/env bash
# Make sure the services the integration tests use are up: PostgreSQL, Redis and Debian's Chromium.
set -uo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /tmp --logfile /tmp/newscorpus-ci-redis.log || true
fi
if ! command -v chromium >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
        >/tmp/newscorpus-ci-apt.log 2>&1 || echo "chromium install failed: see /tmp/newscorpus-ci-apt.log"
fi
exit 0
