#!/usr/bin/env bash
# Clippy (warnings are errors) on the library of every publishable crate with no features, then
# with each feature alone: the all-features build of scripts/test.sh hides code that only
# compiles, or only stays warning-free, with some feature on. One cargo run per feature set
# checks all crates at once (each with that feature if it has it, else none), libraries only:
# tests and benches turn on the dev-dependency features (sanctum-core/test-util) this is
# meant to leave off. Shares the target dir with the other checks.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t crates < <(scripts/publishable.sh)
packages=()
for crate in "${crates[@]}"; do packages+=(-p "$crate"); done

# "feature crate crate ..." lines: each feature (but `default`) and the crates that have it.
mapfile -t features < <(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
crates = sys.argv[1:]
having = {}
for p in json.load(sys.stdin)["packages"]:
    if p["name"] in crates:
        for feature in p["features"]:
            if feature != "default":
                having.setdefault(feature, []).append(p["name"])
for feature in sorted(having):
    print(feature, *having[feature])
' "${crates[@]}")

failed=()
run() {
    printf -- '--- %s\n' "$1"
    local start=$SECONDS
    cargo clippy --lib --no-default-features "${packages[@]}" "${@:2}" -- -D warnings || failed+=("$1")
    printf -- '--- %s: %ss\n' "$1" $((SECONDS - start))
}

run "no features"
for line in "${features[@]}"; do
    read -r feature owners <<<"$line"
    selected=()
    for crate in $owners; do selected+=("$crate/$feature"); done
    run "feature $feature (${selected[*]})" --features "$(IFS=,; echo "${selected[*]}")"
done

# `client-credentials` is the token endpoint without the AWS SDK: its dependency tree must not
# hold the SDK (the crate that makes `cognito` heavy).
printf -- '--- sanctum-core/client-credentials without the AWS SDK\n'
if cargo tree -p sanctum-core --no-default-features --features client-credentials -e normal --prefix none \
    | grep -E '^(aws-sdk-cognitoidentityprovider|aws-config) '; then
    failed+=("sanctum-core/client-credentials pulls the AWS SDK")
fi

if ((${#failed[@]})); then
    printf 'error: clippy failed with: %s\n' "${failed[@]}" >&2
    exit 1
fi
