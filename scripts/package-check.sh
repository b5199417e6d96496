#!/usr/bin/env bash
# Packages every publishable crate as `cargo publish` would, and builds each from its .crate:
# `cargo package` with several `-p` puts the unpublished sanctum-core in a local registry overlay
# (target/package/tmp-registry), so the adapters verify against the packaged core, not the path.
# Nothing is uploaded. With CARGO_NET_OFFLINE=true it runs from the local cache.
#
# Then it checks that every test target (tests/*.rs) left in a package needs nothing but cargo: no moto
# (Python), no Node.js, no file outside the crate. Tests that do are listed in the crate's
# `exclude`, and cargo drops their targets from the packaged manifest ("ignoring test ...").
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t crates < <(scripts/publishable.sh)
args=()
for crate in "${crates[@]}"; do args+=(-p "$crate"); done

# --allow-dirty: the check is about what would be packaged, so it also runs before a commit.
cargo package --allow-dirty "${args[@]}"

# What a packaged test may not use: moto's server, Node.js, files outside the crate.
forbidden='moto_pool\(|MotoServer::|\.venv-moto|Command::new\("(node|npm|python3?)"\)|#\[path = "\.\./|join\("\.\."\)'
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
exit "$status"
