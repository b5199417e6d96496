#!/usr/bin/env bash
# Installs redis-server (Debian's package) for the shared-revocation tests
# (sanctum-core/tests/revocation_redis.rs start their own servers on 127.0.0.1).
# Usage: scripts/setup-redis.sh
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
    echo "redis-server present: $(redis-server --version | head -1)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing redis-server from Debian's packages"
timeout 300 $SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive timeout 300 $SUDO apt-get install -y -qq redis-server >/dev/null
# Debian may start a system service on 6379; the tests use ports of their own. Debian's build
# has TLS (`--tls-port`): the rediss:// test starts one with a CA it makes itself.
command -v redis-server >/dev/null || { echo "redis-server did not install" >&2; exit 1; }
echo "redis-server installed: $(redis-server --version | head -1)"
