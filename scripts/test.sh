#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it. Usage: scripts/test.sh
# Installs what the tests need into ignored folders (moto's server and pycognito for the
# Cognito tests) and fakecloud into ~/.cache/sanctum (a 30-minute build, once per machine).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Each step's heading also says how much disk is free here, so a run that fills the disk
# shows where.
step() { printf '\n==> %s  [%s free]\n' "$*" "$(df -h --output=avail . | tail -n 1 | tr -d ' ')"; }

step "moto's Cognito server (scripts/setup-moto.sh)"
scripts/setup-moto.sh

step "redis-server for the shared-revocation tests (scripts/setup-redis.sh)"
scripts/setup-redis.sh

step "pycognito for the SRP known-answer test (scripts/setup-pycognito.sh)"
scripts/setup-pycognito.sh

step "headless Chromium and chromedriver for the real-browser test (scripts/setup-chromium.sh)"
scripts/setup-chromium.sh

step "fakecloud's Cognito server (scripts/setup-fakecloud.sh; ~30 min the first time)"
scripts/setup-fakecloud.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "rust-version covers the dependency tree (scripts/msrv.sh)"
scripts/msrv.sh

step "cargo deny: licences, banned and duplicate crates, sources, advisories (scripts/setup-cargo-deny.sh, scripts/deny.sh)"
scripts/setup-cargo-deny.sh
scripts/deny.sh

step "sanctum-core's module import graph has no cycle (scripts/module-cycles.py)"
scripts/module-cycles.py

step "sanctum-core's public API is the checked-in listing (scripts/public-api.py --check; after a deliberate change: --write)"
scripts/public-api.py --check

step "every public type, trait and function has an example or a link to one (scripts/doc-examples.py)"
scripts/doc-examples.py

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "clippy on each publishable crate with no features and each feature alone (scripts/feature-builds.sh)"
scripts/feature-builds.sh

step "install aws-jwt-verify for the differential test (npm, pinned)"
scripts/setup-differential.sh

step "cargo test (then scripts/check-test-counts.py: each server-backed test binary ran tests, and the total is at least the floor in scripts/test-counts.txt)"
mkdir -p target
cargo test --workspace --all-features 2>&1 | tee target/cargo-test.log
scripts/check-test-counts.py target/cargo-test.log

step "fuzz token decoding and verification for 60 s"
scripts/fuzz.sh 60

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

step "cargo package: the crates as published, built from their .crate files (scripts/package-check.sh)"
scripts/package-check.sh

step "instructions per cached /admin request within 5 % of bench-http/instructions.txt (scripts/bench-http.sh --check; release build kept in ~/.cache/sanctum/bench-http-target, ~8 min of CPU the first time)"
BENCH_HTTP_TARGET="${BENCH_HTTP_TARGET:-$HOME/.cache/sanctum/bench-http-target}" scripts/bench-http.sh --check

step "all checks passed (target dir: $(du -sh target 2>/dev/null | cut -f1), fuzz/target: $(du -sh fuzz/target 2>/dev/null | cut -f1))"
