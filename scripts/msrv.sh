#!/usr/bin/env bash
# Checks each publishable crate's declared `rust-version` against the highest `rust-version`
# declared in its dependency tree (normal and build dependencies: dev-dependencies do not reach
# users; every target platform), for each feature set a user can pick: no features, each
# feature alone, all features. The tree is cargo's own per-crate feature resolution (`cargo
# tree -p`), the versions those of Cargo.lock, the `rust-version`s those of `cargo metadata`.
#
# Two kinds of feature set:
# - without the AWS SDK (no `cognito`, no `aws-sso`): the crate's own `rust-version` must cover
#   the tree; this is the minimum sanctum promises to verification-only users. A warning names
#   a crate whose rust-version is above what all these trees need (then only its own code can
#   justify it);
# - with the AWS SDK (`cognito`, `aws-sso`, all features): these follow the SDK's minimum, which
#   must be at most the workspace's `rust-version` ([workspace.package], the examples' too): the
#   one the crate docs give for `cognito`. The SDK raises its minimum in minor releases; when it
#   passes the workspace's, raise that and the docs.
# Fails, naming the culprits, when a tree needs more than its limit.
#
# `scripts/msrv.sh --build` also installs the declared toolchains (rustup, minimal profile) and
# checks the publishable crates' libraries with them, each crate at its own rust-version with
# every feature but the SDK's, and all features at the workspace's: what the dependency tree
# cannot tell, that sanctum's own code needs nothing newer. Not run by scripts/test.sh (it
# downloads toolchains and checks every dependency once more per toolchain); clippy's
# `incompatible_msrv` lint, which the test script runs, catches the usual case, a std API newer
# than rust-version.
set -euo pipefail
cd "$(dirname "$0")/.."

metadata=$(mktemp)
trees=$(mktemp -d)
trap 'rm -rf "$metadata" "$trees"' EXIT

cargo metadata --format-version 1 --all-features >"$metadata"
mapfile -t crates < <(scripts/publishable.sh)

# "crate features..." lines: each feature (but `default`) of each publishable crate.
mapfile -t crate_features < <(python3 -c '
import json, sys
crates = sys.argv[1:]
for p in json.load(sys.stdin)["packages"]:
    if p["name"] in crates and p["source"] is None:
        print(p["name"], *sorted(f for f in p["features"] if f != "default"))
' "${crates[@]}" <"$metadata")

# One tree per crate and feature set, in "$trees/CRATE/SET" ("none", a feature, "all").
for line in "${crate_features[@]}"; do
    read -r crate features <<<"$line"
    mkdir -p "$trees/$crate"
    tree() {
        cargo tree --quiet -p "$crate" "${@:2}" --edges normal,build --target all \
            --prefix none --format '{p}' >"$trees/$crate/$1"
    }
    tree none
    for feature in $features; do tree "$feature" --features "$feature"; done
    tree all --all-features
done

python3 - "$metadata" "$trees" "${crates[@]}" <<'PY'
import json
import sys
from pathlib import Path

metadata, trees, crates = json.load(open(sys.argv[1])), Path(sys.argv[2]), sys.argv[3:]
packages = metadata["packages"]
rust_version = {(p["name"], p["version"]): p.get("rust_version") for p in packages}
workspace = Path(metadata["workspace_root"]) / "Cargo.toml"
# the examples take the workspace's rust-version: the one documented for `cognito`
sdk_limit = next(p["rust_version"] for p in packages if p["name"] == "sanctum-examples")
SDK = "aws-sdk-cognitoidentityprovider"


def key(version):
    parts = [int(x) for x in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


failed = False
for crate in crates:
    declared = next(p["rust_version"] for p in packages if p["name"] == crate and p["source"] is None)
    highest_without_sdk = None
    for tree in sorted((trees / crate).iterdir(), key=lambda t: (t.name != "none", t.name == "all", t.name)):
        deps = set()
        for line in tree.read_text().splitlines():
            # "name vX.Y.Z", maybe followed by " (path)", " (proc-macro)" or " (*)"
            name, version = line.split()[:2]
            if name != crate:
                deps.add((name, version.removeprefix("v")))
        needs = {dep: rust_version[dep] for dep in deps if rust_version.get(dep)}
        highest = max(needs.values(), key=key)
        with_sdk = any(name == SDK for name, _ in deps)
        limit, whose = (sdk_limit, "the workspace's (documented for `cognito`)") if with_sdk else (declared, "its")
        setters = sorted(f"{n} {v}" for (n, v), rv in needs.items() if key(rv) == key(highest))
        label = {"none": "no features", "all": "all features"}.get(tree.name, f"feature {tree.name}")
        culprits = sorted((key(rv), f"{n} {v} needs {rv}") for (n, v), rv in needs.items() if key(rv) > key(limit))
        if culprits:
            failed = True
            print(f"{crate}, {label}: needs {highest}, above {whose} rust-version {limit}:")
            for _, text in reversed(culprits):
                print(f"  {text}")
            continue
        kind = "follows the AWS SDK" if with_sdk else f"within rust-version {declared}"
        print(f"{crate}, {label}: {len(deps)} dependencies need {highest}, {kind} "
              f"({', '.join(setters[:3])}{', ...' if len(setters) > 3 else ''})")
        if not with_sdk and (highest_without_sdk is None or key(highest) > key(highest_without_sdk)):
            highest_without_sdk = highest
    if highest_without_sdk and key(declared) > key(highest_without_sdk):
        print(f"  warning: {crate}'s rust-version {declared} is above what its trees without the "
              f"AWS SDK need ({highest_without_sdk}); keep it only if its own code needs it")
if failed:
    print("error: raise the crate's `rust-version` (its Cargo.toml), or for the AWS SDK's feature sets "
          f"the workspace's ({workspace}, [workspace.package]) and the `cognito` docs", file=sys.stderr)
sys.exit(1 if failed else 0)
PY

if [[ "${1:-}" == "--build" ]]; then
    version_of() {
        python3 -c '
import json, sys
print(next(p["rust_version"] for p in json.load(sys.stdin)["packages"] if p["name"] == sys.argv[1] and p["source"] is None))
' "$1" <"$metadata"
    }
    for line in "${crate_features[@]}"; do
        read -r crate features <<<"$line"
        toolchain=$(version_of "$crate")
        own=()
        for feature in $features; do
            case "$feature" in cognito | aws-sso) ;; *) own+=("$feature") ;; esac
        done
        rustup toolchain install "$toolchain" --profile minimal --no-self-update
        cargo "+$toolchain" check --lib -p "$crate" --features "$(IFS=,; echo "${own[*]}")"
    done
    toolchain=$(version_of sanctum-examples)
    rustup toolchain install "$toolchain" --profile minimal --no-self-update
    packages=()
    for crate in "${crates[@]}"; do packages+=(-p "$crate"); done
    cargo "+$toolchain" check --lib --all-features "${packages[@]}"
fi
