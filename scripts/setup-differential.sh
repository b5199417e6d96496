#!/usr/bin/env bash
# Installs the reference verifier of the differential test (sanctum-core/tests/differential.rs):
# aws-jwt-verify from the npm registry, at the version pinned in
# sanctum-core/tests/differential/package-lock.json, into that folder's node_modules (ignored).
# Usage: scripts/setup-differential.sh   (needs Node.js >= 18 and npm)
set -euo pipefail
cd "$(dirname "$0")/../sanctum-core/tests/differential"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "$tool not found: the differential test needs Node.js >= 18 with npm" >&2; exit 1; }
done

npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "aws-jwt-verify $(node -p 'require("./node_modules/aws-jwt-verify/package.json").version') installed in $(pwd)/node_modules"
