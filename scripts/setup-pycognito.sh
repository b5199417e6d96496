#!/usr/bin/env bash
# Installs pycognito (pinned) into .venv-pycognito (ignored by git) for the SRP known-answer
# test, which checks sanctum's SRP arithmetic against pycognito's independent AWSSRP.
# Idempotent: does nothing when the pinned version is already installed.
# Usage: scripts/setup-pycognito.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYCOGNITO_VERSION="2024.5.1"
VENV=".venv-pycognito"

if [ -x "$VENV/bin/python" ] \
    && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pycognito') != '$PYCOGNITO_VERSION')" 2>/dev/null; then
    echo "pycognito $PYCOGNITO_VERSION already installed in $VENV"
    exit 0
fi

python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet "pycognito==$PYCOGNITO_VERSION"
echo "pycognito $PYCOGNITO_VERSION installed in $VENV"
