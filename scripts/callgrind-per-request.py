#!/usr/bin/env python3
"""Instructions per request by function, from two callgrind runs of the same server.

    scripts/callgrind-per-request.py SMALL.out LARGE.out REQUESTS [TOP] [FILTER]

SMALL.out and LARGE.out are callgrind outputs of one server that answered the same requests,
LARGE.out REQUESTS more of them. Every function's count in LARGE minus its count in SMALL,
divided by REQUESTS, is what one more request costs in it: start-up, the first requests and
shut-down cancel out. Prints the TOP (default 40) functions by inclusive cost (the function
and everything it calls), with their self cost (a function whose code comes from several source
files counts once: its self costs summed, its largest inclusive cost), and the total per request. FILTER (a regular
expression) keeps only the functions whose name matches it.

Used by scripts/bench-http.sh --instructions; needs callgrind_annotate (valgrind).
"""

import re
import subprocess
import sys

# "  12,345 (1.2%)  file:function [object]" or "  12,345  file:function [object]"
LINE = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S.*?)\s*$")


def counts(path, inclusive):
    """{function: instructions} from callgrind_annotate, every function (threshold 100 %),
    over the source files its code comes from."""
    out = subprocess.run(
        [
            "callgrind_annotate",
            "--threshold=100",
            "--auto=no",
            "--show-percs=no",
            f"--inclusive={'yes' if inclusive else 'no'}",
            path,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = {}
    table = False
    for line in out.splitlines():
        if line.startswith("Ir") and "file:function" in line:
            table = True
            continue
        if not table or line.startswith("--"):
            continue
        match = LINE.match(line)
        if not match:
            continue
        count = int(match.group(1).replace(",", ""))
        name = match.group(2)
        # drop the object file in brackets and the source file: a function's code inlined
        # from several files is listed once per file
        name = re.sub(r"\s+\[[^\]]*\]$", "", name)
        if "PROGRAM TOTALS" in name:
            continue
        name = name.partition(":")[2] or name
        # self costs of a function's pieces add up; inclusive costs overlap (a piece inlined
        # from one file sits inside another), so the largest stands for the function
        result[name] = result.get(name, 0) + count if not inclusive else max(result.get(name, 0), count)
    return result


def total(path):
    """The program's total instructions (the `summary:` / `totals:` line)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit(f"{path}: no totals line")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    small, large, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    keep = re.compile(sys.argv[5]) if len(sys.argv) > 5 else None
    incl_small, incl_large = counts(small, True), counts(large, True)
    self_small, self_large = counts(small, False), counts(large, False)
    per = (total(large) - total(small)) / requests
    rows = []
    for name, count in incl_large.items():
        inclusive = (count - incl_small.get(name, 0)) / requests
        own = (self_large.get(name, 0) - self_small.get(name, 0)) / requests
        if keep and not keep.search(name):
            continue
        # a filtered function is shown whatever its sign (start-up that differs between runs)
        if (abs(inclusive) if keep else inclusive) < 1:
            continue
        rows.append((inclusive, own, name))
    rows.sort(key=lambda r: -r[0])
    print(f"{per:10.0f}  total instructions per request (user space)")
    print(f"{'inclusive':>10} {'self':>8}  function (per request)")
    for inclusive, own, name in rows[:top]:
        print(f"{inclusive:10.0f} {own:8.0f}  {name}")


if __name__ == "__main__":
    main()
