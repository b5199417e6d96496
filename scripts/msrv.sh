#!/usr/bin/env bash
# Checks that the declared `rust-version` of each publishable crate is at least the highest
# `rust-version` declared by a package in its dependency tree: all features, normal and build
# dependencies (dev-dependencies do not reach users), every target platform. The tree is
# cargo's own per-crate feature resolution (`cargo tree -p`), the versions those of Cargo.lock,
# the `rust-version`s those of `cargo metadata`. Fails, naming the culprits, when the declared
# version is lower; warns when it is higher than any dependency needs (then only sanctum's own
# code can justify it).
#
# `scripts/msrv.sh --build` also installs the declared toolchain (rustup, minimal profile) and
# checks the publishable crates' libraries with it, all features on: what the dependency tree
# cannot tell, that sanctum's own code needs nothing newer. Not run by scripts/test.sh (it
# checks every dependency once more, with another compiler); clippy's `incompatible_msrv`
# lint, which the test script runs, catches the usual case, a std API newer than rust-version.
set -euo pipefail
cd "$(dirname "$0")/.."

metadata=$(mktemp)
trees=$(mktemp -d)
trap 'rm -rf "$metadata" "$trees"' EXIT

cargo metadata --format-version 1 --all-features >"$metadata"
mapfile -t crates < <(scripts/publishable.sh)
for crate in "${crates[@]}"; do
    cargo tree --quiet -p "$crate" --all-features --edges normal,build --target all \
        --prefix none --format '{p}' >"$trees/$crate"
done

python3 - "$metadata" "$trees" "${crates[@]}" <<'PY'
import json
import sys
from pathlib import Path

metadata, trees, crates = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
packages = json.load(open(metadata))["packages"]
rust_version = {(p["name"], p["version"]): p.get("rust_version") for p in packages}


def key(version):
    parts = [int(x) for x in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


failed = False
for crate in crates:
    declared = next(p["rust_version"] for p in packages if p["name"] == crate and p["source"] is None)
    deps = set()
    for line in (trees / crate).read_text().splitlines():
        # "name vX.Y.Z", maybe followed by " (path)", " (proc-macro)" or " (*)"
        name, version = line.split()[:2]
        if name != crate:
            deps.add((name, version.removeprefix("v")))
    needs = {dep: rust_version[dep] for dep in deps if rust_version.get(dep)}
    highest = max(needs.values(), key=key)
    setters = sorted(f"{n} {v}" for (n, v), rv in needs.items() if key(rv) == key(highest))
    culprits = sorted(
        (key(rv), f"{n} {v} needs {rv}") for (n, v), rv in needs.items() if key(rv) > key(declared)
    )
    if culprits:
        failed = True
        print(f"{crate}: declares rust-version {declared}, but its dependencies need {highest}:")
        for _, text in reversed(culprits):
            print(f"  {text}")
    else:
        print(f"{crate}: rust-version {declared}; its {len(deps)} dependencies need {highest} "
              f"({', '.join(setters[:4])}{', ...' if len(setters) > 4 else ''})")
        if key(declared) > key(highest):
            print(f"  warning: {declared} is above what any dependency needs; keep it only if "
                  f"{crate}'s own code needs it")
if failed:
    print("error: raise `rust-version` in the root Cargo.toml ([workspace.package])", file=sys.stderr)
sys.exit(1 if failed else 0)
PY

if [[ "${1:-}" == "--build" ]]; then
    toolchain=$(python3 -c '
import json, sys
print(next(p["rust_version"] for p in json.load(sys.stdin)["packages"] if p["name"] == sys.argv[1]))
' "${crates[0]}" <"$metadata")
    rustup toolchain install "$toolchain" --profile minimal --no-self-update
    packages=()
    for crate in "${crates[@]}"; do packages+=(-p "$crate"); done
    cargo "+$toolchain" check --lib --all-features "${packages[@]}"
fi
