#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver for the real-browser test
# (examples/tests/web_app_browser.rs drives /usr/bin/chromium through /usr/bin/chromedriver).
# Idempotent and quiet: does nothing when both are present.
# Usage: scripts/setup-chromium.sh
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing chromium and chromium-driver from Debian's packages"
timeout 300 $SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive timeout 900 $SUDO apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
for binary in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$binary" ] || { echo "$binary did not install" >&2; exit 1; }
done
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
