#!/usr/bin/env bash
# Installs fakecloud (a Cognito-compatible AWS emulator that checks SRP proofs, refresh-token
# rotation and revocation) for the Cognito tests, pinned and --locked, into a cache directory
# outside the work tree: $SANCTUM_FAKECLOUD_ROOT, by default ~/.cache/sanctum/fakecloud-0.51.0.
# fakecloud is AGPL-3.0: the tests run it as its own program; sanctum never links it.
# Idempotent: reuses an installed binary of the pinned version. The first build takes about
# 30 minutes on 2 cores (791 crates); it runs once per machine.
# Usage: scripts/setup-fakecloud.sh
set -euo pipefail
cd "$(dirname "$0")/.."

FAKECLOUD_VERSION="0.51.0"
ROOT="${SANCTUM_FAKECLOUD_ROOT:-${HOME}/.cache/sanctum/fakecloud-${FAKECLOUD_VERSION}}"
BIN="$ROOT/bin/fakecloud"

installed_version() {
    # cargo install records what it installed in the root's .crates.toml
    grep -qs "^\"fakecloud $FAKECLOUD_VERSION " "$ROOT/.crates.toml"
}

if [ -x "$BIN" ] && installed_version; then
    echo "fakecloud $FAKECLOUD_VERSION already installed in $ROOT"
    exit 0
fi

mkdir -p "$ROOT"
echo "building fakecloud $FAKECLOUD_VERSION into $ROOT (about 30 min on 2 cores, once per machine)"
# outside the work tree (no workspace config applies) and with its own target directory, so a
# concurrent workspace build neither shares nor locks it
cd "$ROOT"
# No debuginfo: the binary is only run, and the build directory stays several GB smaller.
CARGO_PROFILE_RELEASE_DEBUG=false CARGO_TARGET_DIR="$ROOT/build" cargo install fakecloud --version "$FAKECLOUD_VERSION" --locked \
    --root "$ROOT"
echo "fakecloud's build directory took $(du -sh "$ROOT/build" 2>/dev/null | cut -f1); removing it"
rm -rf "$ROOT/build"
test -x "$BIN"
echo "fakecloud $FAKECLOUD_VERSION installed in $ROOT"
