#!/usr/bin/env bash
# cargo-deny with deny.toml (install it with scripts/setup-cargo-deny.sh): licences, banned and
# duplicate crates, and sources, which need nothing but Cargo.lock and the registry's crates;
# then the RustSec advisories, which need RustSec's advisory database. cargo-deny clones that
# database from GitHub; where GitHub cannot be reached (this project's machines reach package
# registries only, and no registry package carries the database) the advisories are NOT
# checked, and this script says so in a notice that names the reason, instead of passing in
# silence. SANCTUM_REQUIRE_ADVISORIES=1 makes that an error (for a machine that has GitHub).
# A database fetched earlier (~/.cargo/advisory-dbs) is used when a new fetch fails, with its
# date.
# Usage: scripts/deny.sh
set -euo pipefail
cd "$(dirname "$0")/.."

deny="${CARGO_DENY:-.venv-cargo-deny/bin/cargo-deny}"

"$deny" --offline check licenses bans sources

fetch_log=$(mktemp)
trap 'rm -f "$fetch_log"' EXIT
if timeout 300 "$deny" fetch db >"$fetch_log" 2>&1; then
    "$deny" --offline check advisories
    exit 0
fi
databases=("${CARGO_HOME:-$HOME/.cargo}"/advisory-dbs/advisory-db-*/.git)
if [ -e "${databases[0]}" ]; then
    fetched=$(git -C "${databases[0]%/.git}" show -s --format=%cI HEAD)
    echo "notice: RustSec's advisory database could not be fetched; checking against the copy of $fetched"
    "$deny" --offline check advisories
    exit 0
fi
cat >&2 <<MSG
notice: advisories NOT checked. RustSec's advisory database could not be fetched (cargo-deny
clones it from GitHub, and that failed here) and there is no earlier copy in
${CARGO_HOME:-$HOME/.cargo}/advisory-dbs. cargo-deny said:
$(grep -m 3 -E 'ERROR|fatal' "$fetch_log" | sed 's/^/    /')
Run scripts/deny.sh on a machine with GitHub access to check them.
MSG
if [ "${SANCTUM_REQUIRE_ADVISORIES:-0}" = 1 ]; then
    exit 1
fi
