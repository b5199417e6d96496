#!/usr/bin/env bash
# HTTP load comparison (issue 6): sanctum's axum layer and actix middleware against the same
# apps without auth, and against jwt-authorizer, one server core and one load-generator core.
#
#   scripts/bench-http.sh [seconds-per-round] [rounds]     (defaults: 5 s x 3 rounds)
#
# Builds bench-http/ in release (its own target dir), installs wrk from Debian's packages if
# missing, mints one ~1.2 KB Cognito-shaped access token and its JWKS, then, round after round,
# runs every variant in turn: the server pinned to core 0 (`taskset -c 0`), wrk pinned to core 1
# (`wrk -t1 -c32 --latency`, the same Authorization header for every variant), all on
# 127.0.0.1. Each authenticated server must answer 401 without a token and 200 with it before
# it is measured. Prints min/median/max requests/s, median p99 and the target ratios.
#
#   scripts/bench-http.sh --instructions [requests]        (default: 1000 requests)
#
# Counts instead of timing: runs each server under valgrind's callgrind and sends it requests
# one after the other on one keep-alive connection (curl), twice (200 and 200+requests), and
# prints the user-space instructions per request from the difference, the cost of each feature
# (a variant against the one without it, BENCH_HTTP_PAIRS), and for each variant a table of
# instructions per request by function (<variant>.functions.txt in the results folder).
# Repeatable whatever else the machine is doing; the kernel's share of a request (loopback TCP)
# is not counted, so these ratios are wider than the requests/s ratios. Slow (a minute or more
# per variant). With BENCH_HTTP_BASELINE=<commit>, the same harness is also built against the
# libraries of <commit> (in a git worktree and a target dir of its own, under the target dir)
# and each variant is counted at both, one after the other, in the same run
# (BENCH_HTTP_BASELINE_FEATURES: bench-http features for that build, e.g. wave1-api). The load
# mode takes BENCH_HTTP_BASELINE too: each variant is then measured at both builds, one right
# after the other in every round (`<variant>@baseline` in the figures).
# BENCH_HTTP_FEATURES: bench-http features of the main build, e.g. wave3 (the variants that
# count metrics and tracing: *-metrics, *-traced) or sessions (*-session-cookie against
# *-session-bearer: one app, the same route, by session cookie or bearer token).
#
#   scripts/bench-http.sh --paired [seconds-per-round] [rounds]   (defaults: 5 s x 6 rounds)
#
# Two servers measured at the same time, to cancel the machine's noise out of a ratio: for each
# pair A:B (BENCH_HTTP_PAIRED, default the issue-22 same-bytes pairs and a control pair of two
# identical servers), both servers run pinned to core 0 and two wrk (`-t1 -c32`, pinned to core
# 1) load them at once for each round. The scheduler shares core 0 between the two processes,
# so whatever slows the machine down in a round (on a shared VM, rounds of one variant measured
# one after the other spread by 1.5x) slows both alike, and A's requests/s over B's in a round
# is the ratio of their costs per request. Each server's CPU time in the round is read from the
# kernel (/proc/PID/task/*/schedstat, nanoseconds), and the ratio of requests per CPU-second is
# printed beside it (it corrects for an unequal share of the core); the control pair (the same
# variant twice) shows how far from 1.00 an equal pair lands. A variant written
# `<variant>@baseline` runs the BENCH_HTTP_BASELINE build. Prints, per pair, the median,
# min and max of the per-round ratios and core 0's use.
#
#   scripts/bench-http.sh --check                          (the regression guard)
#   scripts/bench-http.sh --record
#
# --check counts the variants listed in bench-http/instructions.txt and fails when one costs
# more than 5 % over its recorded instructions per request, or when the record's id is not
# cited in BENCHMARKS.md (a new record comes with its reason). --record counts them and writes
# a new record (then cite its id in BENCHMARKS.md, with why it moved). Both build bench-http
# with the features of the record's `features` line (e.g. `alb`, for the ALB variants).
#
# Environment: BENCH_HTTP_VARIANTS (space-separated subset), BENCH_HTTP_PORT (first port,
# default 18480), BENCH_HTTP_OUT (results go into a new timestamped folder under it, also
# linked as `latest`; default <target>/results), BENCH_HTTP_TARGET (cargo target dir of the
# release build; default bench-http/target: point it at a kept folder, e.g.
# ~/.cache/sanctum/bench-http-target, so a clean checkout rebuilds only sanctum's crates).
set -euo pipefail

MODE=load
REQUESTS=1000
case "${1:-}" in
    --instructions)
        MODE=instructions
        REQUESTS="${2:-1000}"
        ;;
    --paired)
        MODE=paired
        shift
        ;;
    --check | --record)
        MODE="${1#--}"
        [ $# -eq 1 ] || { echo "usage: $0 $1" >&2; exit 2; }
        ;;
esac
if [ "$MODE" = load ]; then
    SECS="${1:-5}"
    ROUNDS="${2:-3}"
elif [ "$MODE" = paired ]; then
    SECS="${1:-5}"
    ROUNDS="${2:-6}"
else
    SECS=1; ROUNDS=1
fi
case "$SECS$ROUNDS" in *[!0-9]*) echo "usage: $0 [seconds-per-round] [rounds] | --paired [seconds-per-round] [rounds] | --instructions [requests] | --check | --record" >&2; exit 2 ;; esac
[ "$SECS" -ge 1 ] && [ "$SECS" -le 60 ] || { echo "seconds-per-round must be 1..60" >&2; exit 2; }
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || { echo "rounds must be 1..20" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CRATE="$ROOT/bench-http"
TARGET="${BENCH_HTTP_TARGET:-$CRATE/target}"
BIN="$TARGET/release/bench-server"
RECORD="$CRATE/instructions.txt"
# How much dearer than its record a variant may get before --check fails, in percent.
TOLERANCE=5
OUT_ROOT="${BENCH_HTTP_OUT:-$TARGET/results}"
OUT="$OUT_ROOT/$(date -u +%Y%m%dT%H%M%SZ)-$MODE"
KEYS="$OUT/keys"
BASE_PORT="${BENCH_HTTP_PORT:-18480}"
DEFAULT_VARIANTS="axum-noauth axum-layer axum-layer-nocache axum-layer-revocation axum-admin-noauth axum-admin actix-noauth actix-middleware actix-admin-noauth actix-admin jwt-authorizer axum07-noauth"
AUTHENTICATED=" axum-layer axum-layer-nocache axum-layer-revocation axum-admin actix-middleware actix-admin jwt-authorizer axum-admin-metrics actix-admin-metrics axum-admin-traced axum-session-bearer axum-session-cookie actix-session-bearer actix-session-cookie axum-alb actix-alb "
# What a feature costs: "variant:the same without it", for --instructions.
PAIRS="${BENCH_HTTP_PAIRS:-axum-layer:axum-noauth axum-admin:axum-admin-noauth axum-layer-revocation:axum-layer actix-middleware:actix-noauth actix-admin:actix-admin-noauth axum-admin-one-layer:axum-admin-noauth actix-admin-one-layer:actix-admin-noauth axum-admin-handler-layers:axum-admin-noauth axum-admin-handler-one-layer:axum-admin-noauth axum-admin-metrics:axum-admin actix-admin-metrics:actix-admin axum-admin-traced:axum-admin-noauth-traced axum-alb:axum-alb-noauth actix-alb:actix-alb-noauth axum-alb:axum-admin actix-alb:actix-admin}"

if [ "$MODE" = check ] || [ "$MODE" = record ]; then
    [ -f "$RECORD" ] || { echo "no record: $RECORD" >&2; exit 1; }
    REQUESTS="$(awk '$1 == "requests" { print $2 }' "$RECORD")"
    # the bench-http features the record's build had (its `features` line), e.g. alb
    RECORD_FEATURES="$(awk '$1 == "features" { $1 = ""; sub(/^ +/, ""); print }' "$RECORD")"
    VARIANTS=($(awk '!/^#/ && NF == 2 && $1 != "requests" && $1 != "features" { print $1 }' "$RECORD"))
    [ "${#VARIANTS[@]}" -gt 0 ] || { echo "$RECORD lists no variant" >&2; exit 1; }
else
    VARIANTS=(${BENCH_HTTP_VARIANTS:-$DEFAULT_VARIANTS})
fi
case "$REQUESTS" in ''|*[!0-9]*) echo "requests must be a number" >&2; exit 2 ;; esac
[ "$REQUESTS" -ge 100 ] && [ "$REQUESTS" -le 20000 ] || { echo "requests must be 100..20000" >&2; exit 2; }

log() { printf '%s\n' "$*" >&2; }
die() { log "bench-http: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------
apt_install() { # package
    log "installing $1 from Debian's packages"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    timeout 300 $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive timeout 300 $sudo apt-get install -y -qq "$1" >/dev/null
}
if [ "$MODE" = load ] || [ "$MODE" = paired ]; then
    command -v wrk >/dev/null 2>&1 || apt_install wrk
    TOOLS="wrk curl taskset cargo"
else
    command -v valgrind >/dev/null 2>&1 || apt_install valgrind
    TOOLS="valgrind callgrind_annotate python3 curl cargo"
fi
for tool in $TOOLS; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
CORES="$(nproc)"
if [ "$CORES" -ge 2 ]; then
    PIN_SERVER=(taskset -c 0); PIN_LOAD=(taskset -c 1)
else
    log "warning: only $CORES core: server and wrk share it, figures are not comparable to 2-core runs"
    PIN_SERVER=(); PIN_LOAD=()
fi

# --- build and mint ----------------------------------------------------------------------
build() { # crate-dir target-dir [features]: the release build of bench-server
    local started=$SECONDS
    log "building bench-http (release) in $1"
    (cd "$1" && CARGO_TARGET_DIR="$2" timeout 3600 cargo build --release --quiet ${3:+--features "$3"}) ||
        die "build failed ($1)"
    log "built in $((SECONDS - started)) s"
}
build "$CRATE" "$TARGET" "${BENCH_HTTP_FEATURES:-${RECORD_FEATURES:-}}"

# BENCH_HTTP_BASELINE: this harness, built against the libraries of an older commit.
BASE_BIN=""
if [ -n "${BENCH_HTTP_BASELINE:-}" ] && { [ "$MODE" = instructions ] || [ "$MODE" = load ] || [ "$MODE" = paired ]; }; then
    base_commit="$(git -C "$ROOT" rev-parse --verify "${BENCH_HTTP_BASELINE}^{commit}")" ||
        die "BENCH_HTTP_BASELINE: no commit ${BENCH_HTTP_BASELINE}"
    base_tree="$TARGET/baseline/${base_commit:0:12}"
    if [ ! -d "$base_tree" ]; then
        git -C "$ROOT" worktree add --detach "$base_tree" "$base_commit" >/dev/null 2>&1 ||
            die "cannot make a worktree of $base_commit at $base_tree"
    fi
    [ "$(git -C "$base_tree" rev-parse HEAD)" = "$base_commit" ] || die "$base_tree is not at $base_commit"
    # the current harness (sources and lock file), over the baseline's own copy (left as it
    # is when it is the same, so that it is not rebuilt)
    if ! diff -rq "$CRATE/src" "$base_tree/bench-http/src" >/dev/null 2>&1 ||
        ! cmp -s "$CRATE/Cargo.lock" "$base_tree/bench-http/Cargo.lock" ||
        ! cmp -s <(grep -v '^wave3 *=' "$CRATE/Cargo.toml") <(grep -v '^wave3 *=' "$base_tree/bench-http/Cargo.toml"); then
        rm -rf "$base_tree/bench-http/src"
        cp -r "$CRATE/src" "$CRATE/Cargo.toml" "$CRATE/Cargo.lock" "$base_tree/bench-http/"
    fi
    # the baseline's libraries predate wave 3's features: cargo refuses a feature that names
    # one they lack, so the baseline's copy of the harness goes without `wave3`
    if ! grep -q '^metrics *=' "$base_tree/sanctum-axum/Cargo.toml"; then
        sed -i '/^wave3 *=/d' "$base_tree/bench-http/Cargo.toml"
    fi
    # nor the ALB front: without `alb`
    if [ ! -d "$base_tree/sanctum-core/src/alb" ]; then
        sed -i '/^alb *=/d' "$base_tree/bench-http/Cargo.toml"
    fi
    # nor the browser sessions: the copy goes without `sessions` too
    if ! grep -q '^sessions *=' "$base_tree/sanctum-actix/Cargo.toml"; then
        sed -i '/^sessions *=/d' "$base_tree/bench-http/Cargo.toml"
    fi
    base_target="$TARGET/baseline-target"
    if [ ! -d "$base_target/release" ] && [ -d "$TARGET/release/deps" ]; then
        # start from this build's dependencies: only what differs is rebuilt
        mkdir -p "$base_target" && cp -a "$TARGET/release" "$base_target/"
    fi
    build "$base_tree/bench-http" "$base_target" "${BENCH_HTTP_BASELINE_FEATURES:-}"
    BASE_BIN="$base_target/release/bench-server"
    BASE_VARIANTS=" $("$BASE_BIN" variants) "
fi
mkdir -p "$KEYS"
ln -sfn "$OUT" "$OUT_ROOT/latest"
timeout 60 "$BIN" mint "$KEYS" || die "mint failed"
TOKEN="$(cat "$KEYS/token.txt")"
# The same token with the first character of its signature changed.
SIG="${TOKEN##*.}"
if [ "${SIG:0:1}" = "A" ]; then FORGED="${TOKEN%.*}.B${SIG:1}"; else FORGED="${TOKEN%.*}.A${SIG:1}"; fi

# --- one measurement ---------------------------------------------------------------------
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap stop_server EXIT INT TERM

status_of() { # url [curl arguments, e.g. -H header]... -> HTTP status, 000 when there is no answer
    local url="$1"
    shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" 2>/dev/null || true
}

# The credential a variant's requests carry, as `-H header` arguments in CRED: the session
# cookie its server wrote at start for `*-session-cookie` (feature `sessions`), the ALB headers
# it wrote for `*-alb` and `*-alb-noauth` (feature `alb`), else the bearer token. FORGED_CRED:
# the same with the signature of its token changed (the bearer token's, or the ALB's
# `x-amzn-oidc-data`).
cred_args() { # variant (or <variant>@baseline)
    local variant="${1%@baseline}" line data sig
    CRED=(); FORGED_CRED=()
    if [[ "$variant" == *-session-cookie ]]; then
        [ -s "$KEYS/$variant.cookie" ] || die "$variant wrote no session cookie to $KEYS/$variant.cookie"
        CRED=(-H "Cookie: $(cat "$KEYS/$variant.cookie")")
        FORGED_CRED=(-H "Authorization: Bearer $FORGED")
    elif [[ "$variant" == *-alb || "$variant" == *-alb-noauth ]]; then
        [ -s "$KEYS/$variant.alb" ] || die "$variant wrote no ALB headers to $KEYS/$variant.alb"
        while IFS= read -r line; do
            [ -n "$line" ] || continue
            CRED+=(-H "$line")
            if [[ "$line" == x-amzn-oidc-data:* ]]; then
                data="${line#x-amzn-oidc-data: }"; sig="${data##*.}"
                if [ "${sig:0:1}" = "A" ]; then sig="B${sig:1}"; else sig="A${sig:1}"; fi
                FORGED_CRED+=(-H "x-amzn-oidc-data: ${data%.*}.$sig")
            else
                FORGED_CRED+=(-H "$line")
            fi
        done <"$KEYS/$variant.alb"
    else
        CRED=(-H "Authorization: Bearer $TOKEN")
        FORGED_CRED=(-H "Authorization: Bearer $FORGED")
    fi
}

# p99 from wrk's latency distribution, in ms.
p99_ms() {
    awk '$1 == "99%" {
        v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
        if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000
        printf "%.3f", v }' "$1"
}

wait_up() { # url log tries pause: until the server at $SERVER_PID answers (any status)
    local url="$1" log_file="$2" tries="$3" pause="$4" code="000"
    for _ in $(seq "$tries"); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "$variant exited at start: $(cat "$log_file")"
        code="$(status_of "$url")"
        [ "$code" != "000" ] && return 0
        sleep "$pause"
    done
    die "$variant does not answer at $url: $(cat "$log_file")"
}

check_answers() { # variant url: 200 with its credential (CRED); 401 without, and forged, if authenticated
    local variant="$1" url="$2" code
    cred_args "$variant"
    code="$(status_of "$url" "${CRED[@]}")"
    [ "$code" = "200" ] || die "$variant answers $code to the credential it is measured with (want 200)"
    if [[ "$AUTHENTICATED" == *" $variant "* ]]; then
        code="$(status_of "$url")"
        [ "$code" = "401" ] || die "$variant answers $code without a token (want 401): not measured"
        code="$(status_of "$url" "${FORGED_CRED[@]}")"
        [ "$code" = "401" ] || die "$variant answers $code to a forged token (want 401): not measured"
    fi
}

# Starts the server of `tag` (`<variant>` or `<variant>@baseline`: the BENCH_HTTP_BASELINE
# build) pinned to core 0, its output into <log>.server, and checks its answers; SERVER_PID.
start_checked() { # tag port log
    local tag="$1" port="$2" log_file="$3" variant="${1%@baseline}" bin="$BIN"
    if [ "$tag" != "$variant" ]; then
        [ -n "$BASE_BIN" ] || die "$tag: no BENCH_HTTP_BASELINE build"
        [[ "$BASE_VARIANTS" == *" $variant "* ]] || die "$tag: the baseline build has no $variant"
        bin="$BASE_BIN"
    fi
    "${PIN_SERVER[@]}" "$bin" "$variant" "127.0.0.1:$port" "$KEYS" >"$log_file.server" 2>&1 &
    SERVER_PID=$!
    wait_up "http://127.0.0.1:$port/hello" "$log_file.server" 100 0.1 # up to ~10 s to come up
    check_answers "$variant" "http://127.0.0.1:$port/hello"
}

measure() { # tag port round: tag is a variant, or <variant>@baseline
    local tag="$1" port="$2" round="$3" variant="${1%@baseline}"
    local url="http://127.0.0.1:$port/hello" log_file="$OUT/$tag.r$round"
    start_checked "$tag" "$port" "$log_file"
    timeout $((SECS + 30)) "${PIN_LOAD[@]}" wrk -t1 -c32 -d"${SECS}s" --latency \
        "${CRED[@]}" "$url" >"$log_file.wrk" 2>&1 || die "wrk failed on $variant: $(cat "$log_file.wrk")"
    stop_server
    if grep -q 'Non-2xx' "$log_file.wrk"; then
        die "$variant: wrk saw refused requests, not a valid measurement: $(grep 'Non-2xx' "$log_file.wrk")"
    fi
    if grep -q 'Socket errors' "$log_file.wrk"; then
        log "warning: $variant round $round: $(grep 'Socket errors' "$log_file.wrk")"
        echo "$variant round $round: $(grep 'Socket errors' "$log_file.wrk")" >>"$OUT/warnings.txt"
    fi
    local rps p99
    rps="$(awk '/^Requests\/sec:/ { print $2 }' "$log_file.wrk")"
    p99="$(p99_ms "$log_file.wrk")"
    [ -n "$rps" ] && [ -n "$p99" ] || die "$variant: cannot read wrk's output: $(cat "$log_file.wrk")"
    printf '%s %s %s %s\n' "$tag" "$round" "$rps" "$p99" >>"$OUT/results.txt"
    log "$(printf 'round %d  %-28s %12.0f req/s   p99 %8.3f ms' "$round" "$tag" "$rps" "$p99")"
}

# --- instruction counts (--instructions, --check, --record) ------------------------------
count_instructions() { # bin tag variant port requests: the server's total instructions into $base.total
    local bin="$1" tag="$2" variant="$3" port="$4" n="$5" url="http://127.0.0.1:$4/hello"
    local base="$OUT/$tag.callgrind.$n"
    valgrind --tool=callgrind --callgrind-out-file="$base.out" \
        "$bin" "$variant" "127.0.0.1:$port" "$KEYS" >"$base.log" 2>&1 &
    SERVER_PID=$!
    wait_up "$url" "$base.log" 300 0.2 # up to ~60 s to come up under valgrind
    check_answers "$variant" "$url"
    local urls=()
    for _ in $(seq "$n"); do urls+=("$url"); done
    timeout 600 curl -s "${CRED[@]}" "${urls[@]}" >/dev/null || die "curl failed on $variant"
    stop_server
    awk '/Collected :/ { gsub(/,/, "", $NF); print $NF }' "$base.log" >"$base.total"
}

per_request() { # bin tag variant port: instructions per request into $OUT/instructions.txt
    local bin="$1" tag="$2" variant="$3" port="$4"
    count_instructions "$bin" "$tag" "$variant" "$port" 200
    count_instructions "$bin" "$tag" "$variant" $((port + 1)) $((200 + REQUESTS))
    local small large
    small="$(cat "$OUT/$tag.callgrind.200.total")"
    large="$(cat "$OUT/$tag.callgrind.$((200 + REQUESTS)).total")"
    [ -n "$small" ] && [ -n "$large" ] || die "$tag: no callgrind totals"
    per=$(( (large - small) / REQUESTS ))
    if [ "$MODE" = instructions ]; then
        python3 "$ROOT/scripts/callgrind-per-request.py" "$OUT/$tag.callgrind.200.out" \
            "$OUT/$tag.callgrind.$((200 + REQUESTS)).out" "$REQUESTS" 60 >"$OUT/$tag.functions.txt" ||
            log "warning: no per-function table for $tag"
        # start-up that does not cancel out: wave3::install (a metrics recorder calibrating
        # its clock runs a number of instructions that varies from run to run)
        local startup
        startup="$(python3 "$ROOT/scripts/callgrind-per-request.py" "$OUT/$tag.callgrind.200.out" \
            "$OUT/$tag.callgrind.$((200 + REQUESTS)).out" "$REQUESTS" 5 'wave3::install$' 2>/dev/null |
            awk '$3 == "bench_server::wave3::install" { print $1; exit }')"
        if [ -n "$startup" ] && [ "$startup" != 0 ]; then
            log "$tag: $startup instructions/request of start-up (wave3::install) left out"
            per=$((per - startup))
        fi
    fi
    echo "$tag $per" >>"$OUT/instructions.txt"
    log "$(printf '%-28s %10d instructions/request (user space)' "$tag" "$per")"
}

if [ "$MODE" != load ] && [ "$MODE" != paired ]; then
    : >"$OUT/instructions.txt"
    i=0
    for variant in "${VARIANTS[@]}"; do
        per_request "$BIN" "$variant" "$variant" $((BASE_PORT + 4 * i))
        if [ -n "$BASE_BIN" ] && [[ "$BASE_VARIANTS" == *" $variant "* ]]; then
            per_request "$BASE_BIN" "$variant@baseline" "$variant" $((BASE_PORT + 4 * i + 2))
        fi
        i=$((i + 1))
    done
    echo
    stamp="$(date -u '+%Y-%m-%dT%H:%MZ')"
    about="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- sanctum-core sanctum-axum sanctum-actix bench-http 2>/dev/null || echo '+changes'), $REQUESTS requests, token ${#TOKEN} bytes, $(rustc --version | cut -d' ' -f1-2), $(valgrind --version)"
fi

if [ "$MODE" = instructions ]; then
    echo "bench-http --instructions: $stamp, $about${BASE_BIN:+, baseline ${BENCH_HTTP_BASELINE}}"
    awk -v pairs="$PAIRS" '{ per[$1] = $2; order[++n] = $1 }
    END {
        printf "%-28s %14s %14s %8s\n", "variant", "instr/request", "at baseline", "ratio"
        for (i = 1; i <= n; i++) {
            v = order[i]; if (v ~ /@baseline$/) continue
            b = v "@baseline"
            if (b in per) printf "%-28s %14d %14d %8.3f\n", v, per[v], per[b], per[v] / per[b]
            else printf "%-28s %14d\n", v, per[v]
        }
        print ""
        print "what a feature costs (a variant over the same without it), instructions per request:"
        k = split(pairs, list, " ")
        for (j = 1; j <= k; j++) {
            split(list[j], pair, ":"); cost(pair[1], pair[2], ""); cost(pair[1], pair[2], "@baseline")
        }
        print ""
        print "ratios of instructions per request (lower is cheaper; the inverse of a throughput ratio):"
        r("jwt-authorizer", "axum-layer-nocache"); r("axum-layer-nocache", "axum-noauth")
        r("jwt-authorizer", "axum07-noauth")
    }
    function cost(x, y, at) {
        if ((x at in per) && (y at in per) && per[y at] > 0)
            printf "  %-52s %+8d  (%+.1f%%)\n", x at " - " y at, per[x at] - per[y at], 100 * (per[x at] - per[y at]) / per[y at]
    }
    function r(x, y) { if ((x in per) && (y in per) && per[y] > 0) printf "  %-52s %8.3f\n", x " / " y, per[x] / per[y] }' \
        "$OUT/instructions.txt" | tee "$OUT/instructions-summary.txt"
    echo "instructions per request by function: $OUT/<variant>.functions.txt"
    exit 0
fi

if [ "$MODE" = record ]; then
    {
        echo "# record $stamp"
        echo "# Instructions per cached request (callgrind, user space), the regression guard's record:"
        echo "# scripts/bench-http.sh --check fails when a variant costs more than $TOLERANCE % above its line,"
        echo "# or when BENCHMARKS.md does not cite this record's id (the line above). Rewritten by"
        echo "# scripts/bench-http.sh --record; say in BENCHMARKS.md why the figures moved."
        echo "# $about"
        echo "requests $REQUESTS"
        [ -z "${BENCH_HTTP_FEATURES:-${RECORD_FEATURES:-}}" ] || echo "features ${BENCH_HTTP_FEATURES:-${RECORD_FEATURES:-}}"
        cat "$OUT/instructions.txt"
    } >"$RECORD.new"
    mv "$RECORD.new" "$RECORD"
    cat "$RECORD"
    echo "recorded in $RECORD: cite \"record $stamp\" in BENCHMARKS.md with the reason"
    exit 0
fi

if [ "$MODE" = check ]; then
    id="$(awk '/^# record / { print $3; exit }' "$RECORD")"
    failed=0
    echo "bench-http --check: $stamp, $about; record $id, tolerance +$TOLERANCE %"
    while read -r variant per; do
        recorded="$(awk -v v="$variant" '$1 == v { print $2 }' "$RECORD")"
        limit=$(( recorded + recorded * TOLERANCE / 100 ))
        change="$(awk -v a="$per" -v b="$recorded" 'BEGIN { printf "%+.1f%%", 100 * (a - b) / b }')"
        if [ "$per" -gt "$limit" ]; then
            echo "FAIL $variant: $per instructions per request, recorded $recorded ($change, limit $limit)"
            failed=1
        elif [ "$per" -lt $(( recorded - recorded * TOLERANCE / 100 )) ]; then
            echo "ok   $variant: $per, recorded $recorded ($change: cheaper; scripts/bench-http.sh --record keeps the guard tight)"
        else
            echo "ok   $variant: $per, recorded $recorded ($change)"
        fi
    done <"$OUT/instructions.txt"
    if [ -z "$id" ] || ! grep -qF "record $id" "$ROOT/BENCHMARKS.md"; then
        echo "FAIL BENCHMARKS.md does not cite \"record ${id:-?}\" of $RECORD: say there why the record is what it is"
        failed=1
    fi
    if [ "$failed" -ne 0 ]; then
        echo "A change made the cached request path dearer than recorded. Find where with"
        echo "scripts/bench-http.sh --instructions (per-function tables); if the cost is wanted, run"
        echo "scripts/bench-http.sh --record and say why in BENCHMARKS.md."
        exit 1
    fi
    exit 0
fi

# --- paired load (--paired) ---------------------------------------------------------------
# Every server process started here, stopped on exit.
PAIRED_PIDS=()
stop_paired() {
    local pid
    for pid in "${PAIRED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PAIRED_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PAIRED_PIDS=()
}

cpu_ns() { # pid: nanoseconds on a CPU so far, all the process's threads
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%.0f\n", t }'
}

paired_round() { # pair-index round tag-a pid-a port-a tag-b pid-b port-b
    local k="$1" round="$2" ta="$3" pa="$4" porta="$5" tb="$6" pb="$7" portb="$8"
    local wa="$OUT/pair$k.r$round.a.wrk" wb="$OUT/pair$k.r$round.b.wrk"
    local a0 b0 a1 b1 t0 t1 wpa wpb
    a0="$(cpu_ns "$pa")"; b0="$(cpu_ns "$pb")"; t0="$(date +%s%N)"
    timeout $((SECS + 30)) "${PIN_LOAD[@]}" wrk -t1 -c32 -d"${SECS}s" "${cred_a[@]}" \
        "http://127.0.0.1:$porta/hello" >"$wa" 2>&1 &
    wpa=$!
    timeout $((SECS + 30)) "${PIN_LOAD[@]}" wrk -t1 -c32 -d"${SECS}s" "${cred_b[@]}" \
        "http://127.0.0.1:$portb/hello" >"$wb" 2>&1 &
    wpb=$!
    wait "$wpa" || die "wrk failed on $ta: $(cat "$wa")"
    wait "$wpb" || die "wrk failed on $tb: $(cat "$wb")"
    a1="$(cpu_ns "$pa")"; b1="$(cpu_ns "$pb")"; t1="$(date +%s%N)"
    local f
    for f in "$wa" "$wb"; do
        grep -q 'Non-2xx' "$f" && die "pair $k round $round: wrk saw refused requests: $(grep 'Non-2xx' "$f")"
        if grep -q 'Socket errors' "$f"; then
            echo "pair $k round $round: $(grep 'Socket errors' "$f")" >>"$OUT/warnings.txt"
        fi
    done
    local ra rb
    ra="$(awk '/^Requests\/sec:/ { print $2 }' "$wa")"; rb="$(awk '/^Requests\/sec:/ { print $2 }' "$wb")"
    [ -n "$ra" ] && [ -n "$rb" ] || die "pair $k: cannot read wrk's output"
    # pair round tag-a tag-b req/s-a req/s-b cpu-ns-a cpu-ns-b wall-ns
    printf '%s %s %s %s %s %s %s %s %s\n' "$k" "$round" "$ta" "$tb" "$ra" "$rb" $((a1 - a0)) $((b1 - b0)) $((t1 - t0)) >>"$OUT/paired.txt"
    log "$(awk -v k="$k" -v r="$round" -v ta="$ta" -v tb="$tb" -v ra="$ra" -v rb="$rb" -v ca=$((a1 - a0)) -v cb=$((b1 - b0)) -v w=$((t1 - t0)) 'BEGIN {
        printf "pair %d round %d  %s %.0f / %s %.0f req/s = %.3f   per CPU-second %.3f   core 0 %.0f%%", k, r, ta, ra, tb, rb, ra / rb, (ra / ca) / (rb / cb), 100 * (ca + cb) / w }')"
}

if [ "$MODE" = paired ]; then
    read -r -a PAIRS_LIST <<<"${BENCH_HTTP_PAIRED:-axum-admin:axum-admin-noauth actix-admin:actix-admin-noauth axum-admin-one-layer:axum-admin-noauth axum-admin-noauth:axum-admin-noauth}"
    : >"$OUT/paired.txt"
    trap 'stop_paired; stop_server' EXIT INT TERM
    LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
    log "token: ${#TOKEN} bytes; ${#PAIRS_LIST[@]} pair(s) x $ROUNDS round(s) x ${SECS} s, both servers of a pair at once on core 0; load: two wrk -t1 -c32 on core 1; loadavg before: $LOAD_BEFORE"
    k=0
    for pair in "${PAIRS_LIST[@]}"; do
        k=$((k + 1))
        [[ "$pair" == *:* ]] || die "BENCH_HTTP_PAIRED: \"$pair\" is not A:B"
        ta="${pair%%:*}"; tb="${pair#*:}"
        # start_checked leaves the server's credential in CRED
        start_checked "$ta" $((BASE_PORT + 2 * k)) "$OUT/pair$k.a"; pa="$SERVER_PID"; PAIRED_PIDS+=("$pa"); SERVER_PID=""
        cred_a=("${CRED[@]}")
        start_checked "$tb" $((BASE_PORT + 2 * k + 1)) "$OUT/pair$k.b"; pb="$SERVER_PID"; PAIRED_PIDS+=("$pb"); SERVER_PID=""
        cred_b=("${CRED[@]}")
        # warm-up: both loaded for a second, not counted
        timeout 30 "${PIN_LOAD[@]}" wrk -t1 -c32 -d1s "${cred_a[@]}" "http://127.0.0.1:$((BASE_PORT + 2 * k))/hello" >/dev/null 2>&1 &
        warm_a=$!
        timeout 30 "${PIN_LOAD[@]}" wrk -t1 -c32 -d1s "${cred_b[@]}" "http://127.0.0.1:$((BASE_PORT + 2 * k + 1))/hello" >/dev/null 2>&1 &
        warm_b=$!
        wait "$warm_a" "$warm_b" || true
        for round in $(seq "$ROUNDS"); do
            paired_round "$k" "$round" "$ta" "$pa" $((BASE_PORT + 2 * k)) "$tb" "$pb" $((BASE_PORT + 2 * k + 1))
        done
        stop_paired
    done
    echo
    echo "bench-http --paired: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- sanctum-core sanctum-axum sanctum-actix 2>/dev/null || echo ' (library sources modified)'), ${SECS} s x $ROUNDS rounds, token ${#TOKEN} bytes${BASE_BIN:+, baseline ${BENCH_HTTP_BASELINE}}"
    echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $CORES cores; loadavg before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
    awk '
    function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
    function median(a, n) { sort(a, n); return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
    { k = $1; if (!(k in name)) { order[++m] = k; name[k] = $3 " / " $4 }
      j = ++n[k]; q[k, j] = $5 / $6; u[k, j] = ($5 / $7) / ($6 / $8); w[k, j] = ($7 + $8) / $9 }
    END {
        printf "%-48s %7s %7s %7s   %s   %s\n", "pair (requests/s at the same time)", "median", "min", "max", "per CPU-second: median", "core 0 use"
        for (i = 1; i <= m; i++) {
            k = order[i]; delete a; delete b; delete use
            for (j = 1; j <= n[k]; j++) { a[j] = q[k, j]; b[j] = u[k, j]; use[j] = w[k, j] }
            med = median(a, n[k]); lo = a[1]; hi = a[n[k]]; busy = median(use, n[k])
            split(name[k], ab, " / ")
            if (ab[1] == ab[2]) verdict = "control: the same server twice, want 1.00"
            else if (ab[2] ~ /-noauth(@baseline)?$|-session-bearer$/) verdict = sprintf("target >= 0.90: %s", med >= 0.90 ? "MET" : "NOT MET")
            else verdict = ""
            if (busy < 0.9 && verdict != "") verdict = "core 0 not kept busy: no verdict"
            printf "%-48s %7.3f %7.3f %7.3f   %22.3f   %9.0f%%   (%d rounds)  %s\n", name[k], med, lo, hi, median(b, n[k]), 100 * busy, n[k], verdict
            if (busy < 0.9) low = 1
        }
        if (low) print "warning: core 0 was not kept busy (< 90 %): the load generator, not the servers, set the pace of some pair; its requests/s ratio says little (the per-CPU-second ratio still holds): measure on a quiet machine"
    }' "$OUT/paired.txt" | tee "$OUT/summary.txt"
    if [ -s "$OUT/warnings.txt" ]; then echo "warnings:"; cat "$OUT/warnings.txt"; fi
    echo "raw wrk output and server logs: $OUT"
    exit 0
fi

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "token: ${#TOKEN} bytes; $ROUNDS round(s) x ${#VARIANTS[@]} variants x ${SECS} s; load: wrk -t1 -c32; loadavg before: $LOAD_BEFORE"
for round in $(seq "$ROUNDS"); do
    i=0
    for variant in "${VARIANTS[@]}"; do
        measure "$variant" $((BASE_PORT + i)) "$round"
        # the same variant built against the baseline's libraries, right after it
        if [ -n "$BASE_BIN" ] && [[ "$BASE_VARIANTS" == *" $variant "* ]]; then
            measure "$variant@baseline" $((BASE_PORT + 100 + i)) "$round"
        fi
        i=$((i + 1))
    done
done
ORDER=""
for variant in "${VARIANTS[@]}"; do
    ORDER="$ORDER $variant"
    [ -n "$BASE_BIN" ] && [[ "$BASE_VARIANTS" == *" $variant "* ]] && ORDER="$ORDER $variant@baseline"
done

# --- summary -----------------------------------------------------------------------------
summary() {
    awk -v order="$ORDER" '
    function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
    function median(a, n) { sort(a, n); return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
    { n[$1]++; r[$1, n[$1]] = $3; p[$1, n[$1]] = $4 }
    END {
        printf "%-20s %10s %10s %10s %12s  %s\n", "variant", "min req/s", "median", "max", "median p99", "rounds"
        k = split(order, names, " ")
        for (v = 1; v <= k; v++) {
            name = names[v]; m = n[name]; if (!m) continue
            delete a; delete b
            for (i = 1; i <= m; i++) { a[i] = r[name, i]; b[i] = p[name, i] }
            med[name] = median(a, m)
            printf "%-20s %10.0f %10.0f %10.0f %9.3f ms  %d\n", name, a[1], med[name], a[m], median(b, m), m
        }
        print ""
        print "ratios of median req/s (the same run):"
        ratio("axum-layer", "axum-noauth", 0.90)
        ratio("axum-layer-revocation", "axum-noauth", 0.90)
        ratio("actix-middleware", "actix-noauth", 0.90)
        # issue 22: the same bytes (guard + JSON handler against the same app without auth)
        ratio("axum-admin", "axum-admin-noauth", 0.90)
        ratio("actix-admin", "actix-admin-noauth", 0.90)
        # the same route with the group checked by the auth layer (`require`): one layer
        ratio("axum-admin-one-layer", "axum-admin-noauth", 0.90)
        ratio("actix-admin-one-layer", "actix-admin-noauth", 0.90)
        # axum: the guard and the auth layer on the handler (`Handler::layer`), no route layer
        ratio("axum-admin-handler-layers", "axum-admin-noauth", 0.90)
        ratio("axum-admin-handler-one-layer", "axum-admin-noauth", 0.90)
        ratio("axum-admin-handler-layers@baseline", "axum-admin-noauth@baseline", 0.90)
        ratio("axum-admin@baseline", "axum-admin-noauth@baseline", 0.90)
        ratio("actix-admin@baseline", "actix-admin-noauth@baseline", 0.90)
        # issue 23: a session cookie against a bearer token, the same app and route
        ratio("axum-session-cookie", "axum-session-bearer", 0.90)
        ratio("actix-session-cookie", "actix-session-bearer", 0.90)
        # behind an ALB: its headers against the same JSON route without auth
        ratio("axum-alb", "axum-alb-noauth", 0.90)
        ratio("actix-alb", "actix-alb-noauth", 0.90)
        ratio("axum-layer-nocache", "jwt-authorizer", 1.25)
        info("jwt-authorizer", "axum07-noauth")
        info("axum-layer-nocache", "axum-noauth")
        info("axum07-noauth", "axum-noauth")
    }
    function ratio(x, y, target,   q, i, c, rr) {
        if (!(x in med) || !(y in med) || med[y] == 0) return
        q = med[x] / med[y]
        # and the median of the per-round ratios (the two measured seconds apart in each round)
        c = 0; delete rr
        for (i = 1; i <= n[x] && i <= n[y]; i++) if (r[y, i] > 0) rr[++c] = r[x, i] / r[y, i]
        printf "  %-40s %6.3f   target >= %.2f: %s   (median of %d per-round ratios: %.3f)\n", x " / " y, q, target, (q >= target ? "MET" : "NOT MET"), c, (c ? median(rr, c) : 0)
    }
    function info(x, y) {
        if (!(x in med) || !(y in med) || med[y] == 0) return
        printf "  %-40s %6.3f   (for reference)\n", x " / " y, med[x] / med[y]
    }' "$OUT/results.txt"
}

echo
echo "bench-http: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- sanctum-core sanctum-axum sanctum-actix 2>/dev/null || echo ' (library sources modified)'), ${SECS} s x $ROUNDS rounds, token ${#TOKEN} bytes"
echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $CORES cores; loadavg before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
summary | tee "$OUT/summary.txt"
if [ -s "$OUT/warnings.txt" ]; then echo "warnings:"; cat "$OUT/warnings.txt"; fi
echo "raw wrk and server logs: $OUT"
