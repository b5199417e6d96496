#!/usr/bin/env bash
# Prints the workspace's publishable packages (those without `publish = false`), one a line.
# Sourced by nothing: the package, MSRV and per-feature checks call it so a new crate is checked
# as soon as it joins the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
for p in meta["packages"]:
    if p["id"] in members and p.get("publish") != []:
        print(p["name"])
'
