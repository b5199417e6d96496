#!/usr/bin/env bash
# Fuzzes sanctum-core's token decoding and verification (fuzz/fuzz_targets/verify.rs) for a
# bounded time. Usage: scripts/fuzz.sh [seconds]   (default 60)
#
# Runs on stable Rust: libFuzzer comes from the libfuzzer-sys crate and the coverage
# instrumentation is the one cargo-fuzz asks rustc for, so no cargo tool is installed.
# New corpus entries go to fuzz/corpus/verify (ignored); a crash leaves its input in
# fuzz/artifacts/verify/ (ignored), fails this script, and must become a regression test in
# sanctum-core/tests/fuzz_regressions.rs. Replay one input with:
#   fuzz/target/<host>/release/verify fuzz/artifacts/verify/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
case "$secs" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [seconds]" >&2; exit 2 ;;
esac

host="$(rustc -vV | sed -n 's/^host: //p')"
# --target keeps these flags off build scripts and proc macros (as cargo-fuzz does).
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR=fuzz/target

echo "building the fuzz target (fuzz/target)"
# Not --locked: fuzz/Cargo.lock follows sanctum-core's dependencies, which change without it.
cargo build --manifest-path fuzz/Cargo.toml --release --target "$host" --bin verify

mkdir -p fuzz/corpus/verify fuzz/artifacts/verify
echo "fuzzing for ${secs}s"
# -max_total_time bounds the run; timeout is a backstop should the target hang outside it.
timeout --signal=KILL "$((secs + 120))" \
  "fuzz/target/$host/release/verify" \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -dict=fuzz/verify.dict -artifact_prefix=fuzz/artifacts/verify/ \
  fuzz/corpus/verify fuzz/seeds/verify
