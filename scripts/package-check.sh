#!/usr/bin/env bash
# Packages every publishable crate as `cargo publish` would, and builds each from its .crate:
# `cargo package` with several `-p` puts the unpublished sanctum-core in a local registry overlay
# (target/package/tmp-registry), so the adapters verify against the packaged core, not the path.
# Nothing is uploaded. With CARGO_NET_OFFLINE=true it runs from the local cache.
#
# Then it checks that every test target (tests/*.rs) left in a package needs nothing but cargo: no moto
# (Python), no Node.js, no file outside the crate. Tests that do are listed in the crate's
# `exclude`, and cargo drops their targets from the packaged manifest ("ignoring test ...").
#
# `scripts/package-check.sh --test` also unpacks each .crate outside the workspace and runs its
# `cargo test --all-features` with cargo alone (no moto, no Node.js), the adapters against the
# packaged sanctum-core: the proof the exclusions are right, where the check above is a quick
# guard. Not run by scripts/test.sh: it builds every test once more (~1 min on a warm target
# dir, ~8 min on a cold one).
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t crates < <(scripts/publishable.sh)
args=()
for crate in "${crates[@]}"; do args+=(-p "$crate"); done

# --allow-dirty: the check is about what would be packaged, so it also runs before a commit.
# cargo verifies each crate against the others as just packaged, unpacking them into
# $CARGO_HOME/registry/src/<local overlay>/NAME-VERSION, and reuses a NAME-VERSION unpacked by
# an earlier run: remove ours first, or a crate is verified against a stale copy of another.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
for crate in "${crates[@]}"; do
    rm -rf "$cargo_home"/registry/src/-*/"$crate"-[0-9]* "$cargo_home"/registry/cache/-*/"$crate"-[0-9]*
done

# cargo also treats what it built from a registry as immutable: a sanctum-core built from an
# earlier run's overlay (same name, version and source) would be reused as it was then, so an
# adapter using a newer core API fails to build against it. Remove those builds (found by their
# dep-info, which names the unpacked registry sources); a clean target dir has none.
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
for crate in "${crates[@]}"; do
    stem="${crate//-/_}"
    for info in "$target_dir"/debug/deps/"$stem"-*.d; do
        [ -e "$info" ] && grep -q '/registry/src/' "$info" || continue
        hash="${info##*/"$stem"-}"
        hash="${hash%.d}"
        rm -rf "$target_dir/debug/.fingerprint/$crate-$hash" "$target_dir"/debug/deps/*"$stem-$hash".*
    done
done

cargo package --allow-dirty "${args[@]}"

# What a packaged test may not use: moto's or fakecloud's server, Node.js, pycognito, files
# outside the crate.
forbidden='moto_pool\(|MotoServer::|\.venv-moto|fakecloud_pool\(|FakecloudServer::|\.venv-pycognito|Command::new\("(node|npm|python3?)"\)|#\[path = "\.\./|join\("\.\."\)'
status=0
for crate in "${crates[@]}"; do
    dir=$(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, os, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == sys.argv[1]:
        print(os.path.dirname(p["manifest_path"]))
' "$crate")
    while read -r file; do
        # The test targets themselves (helpers in tests/*/ may hold what only excluded tests call).
        case "$file" in
            tests/*/*) ;;
            tests/*.rs)
                if grep -nE "$forbidden" "$dir/$file"; then
                    echo "error: $crate/$file is packaged but needs more than cargo (above): add it to $crate's exclude list" >&2
                    status=1
                fi
                ;;
        esac
    done < <(cargo package --allow-dirty --list -p "$crate" 2>/dev/null)
done
if [[ "${1:-}" == "--test" && "$status" == 0 ]]; then
    target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    version=$(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == sys.argv[1]))
' "${crates[0]}")
    unpacked=$(mktemp -d) # outside the workspace, as a user's download would be
    trap 'rm -rf "$unpacked"' EXIT
    for crate in "${crates[@]}"; do
        tar xzf "$target/package/$crate-$version.crate" -C "$unpacked"
    done
    for crate in "${crates[@]}"; do
        patches=()
        for other in "${crates[@]}"; do
            [[ "$other" == "$crate" ]] ||
                patches+=(--config "patch.crates-io.$other.path=\"$unpacked/$other-$version\"")
        done
        printf -- '--- the packaged %s, cargo test --all-features\n' "$crate"
        (cd "$unpacked/$crate-$version" && cargo test --all-features "${patches[@]}") || status=1
    done
fi
exit "$status"
