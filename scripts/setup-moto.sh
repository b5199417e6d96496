#!/usr/bin/env bash
# Installs moto's Cognito server into .venv-moto (ignored by git) for the Cognito tests.
# Idempotent: does nothing when the pinned version is already installed.
# Usage: scripts/setup-moto.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION="5.2.5"
VENV=".venv-moto"

if [ -x "$VENV/bin/moto_server" ] \
    && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$MOTO_VERSION')" 2>/dev/null; then
    echo "moto $MOTO_VERSION already installed in $VENV"
    exit 0
fi

python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet "moto[cognitoidp]==$MOTO_VERSION" flask flask-cors
echo "moto $MOTO_VERSION installed in $VENV"
