#!/usr/bin/env python3
"""Checks what `cargo test` ran, from its output (stdout and stderr together, in order).

Usage: cargo test ... 2>&1 | tee LOG; scripts/check-test-counts.py LOG

Fails when a test binary listed as server-backed in scripts/test-counts.txt did not run, or
ran no test (a feature gate or a `#![cfg(...)]` can empty a binary without any error), or when
the tests that passed in all number fewer than the floor recorded there. Raise the floor when
you add tests; lowering it needs a reason in the commit that does.
"""

import re
import sys
from pathlib import Path

COUNTS = Path(__file__).with_name("test-counts.txt")
RUNNING = re.compile(r"^\s*Running (?:unittests )?(\S+) \(")
DOC_TESTS = re.compile(r"^\s*Doc-tests (\S+)")
RESULT = re.compile(r"^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")


def read_expectations():
    floor, server_backed = None, []
    for number, line in enumerate(COUNTS.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        if key == "floor":
            floor = int(value)
        elif key == "server-backed":
            server_backed.append(value.strip())
        else:
            sys.exit(f"{COUNTS}:{number}: unknown line {line!r}")
    if floor is None:
        sys.exit(f"{COUNTS}: no `floor` line")
    return floor, server_backed


def parse(log):
    """[(binary, passed or None)]: each binary cargo ran, in order, and how many passed."""
    runs = []
    for line in log.splitlines():
        if m := RUNNING.match(line):
            runs.append([m.group(1), None])
        elif m := DOC_TESTS.match(line):
            runs.append([f"doc-tests {m.group(1)}", None])
        elif (m := RESULT.match(line)) and runs and runs[-1][1] is None:
            runs[-1][1] = int(m.group(1))
    return runs


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    floor, server_backed = read_expectations()
    runs = parse(Path(sys.argv[1]).read_text(errors="replace"))
    total = sum(passed or 0 for _, passed in runs)
    problems = []
    for binary in server_backed:
        ran = [passed for name, passed in runs if name == binary]
        if not ran:
            problems.append(f"{binary} did not run (a server-backed test binary)")
        elif any(not passed for passed in ran):
            problems.append(f"{binary} ran no test (a server-backed test binary)")
    if total < floor:
        problems.append(f"{total} tests passed, fewer than the floor of {floor} in {COUNTS.name}")
    print(f"test counts: {total} passed in {len(runs)} test binaries (floor {floor}); "
          f"{len(server_backed)} server-backed binaries checked")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems and total > floor:
        print(f"note: {total - floor} more than the floor: raise it in scripts/{COUNTS.name}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
