#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it. Usage: scripts/test.sh
# Installs what the tests need (moto's server for the Cognito tests) into ignored folders.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "moto's Cognito server (scripts/setup-moto.sh)"
scripts/setup-moto.sh

step "pycognito for the SRP known-answer test (scripts/setup-pycognito.sh)"
scripts/setup-pycognito.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "install aws-jwt-verify for the differential test (npm, pinned)"
scripts/setup-differential.sh

step "cargo test"
cargo test --workspace --all-features

step "fuzz token decoding and verification for 60 s"
scripts/fuzz.sh 60

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

step "all checks passed"
