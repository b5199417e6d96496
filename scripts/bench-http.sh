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
# prints the user-space instructions per request from the difference. Repeatable whatever else
# the machine is doing; the kernel's share of a request (loopback TCP) is not counted, so these
# ratios are wider than the requests/s ratios. Slow (a minute or more per variant).
#
# Environment: BENCH_HTTP_VARIANTS (space-separated subset), BENCH_HTTP_PORT (first port,
# default 18480), BENCH_HTTP_OUT (results go into a new timestamped folder under it, also
# linked as `latest`; default bench-http/target/results).
set -euo pipefail

MODE=load
if [ "${1:-}" = "--instructions" ]; then
    MODE=instructions
    REQUESTS="${2:-1000}"
    SECS=1; ROUNDS=1
    case "$REQUESTS" in ''|*[!0-9]*) echo "usage: $0 --instructions [requests]" >&2; exit 2 ;; esac
    [ "$REQUESTS" -ge 100 ] && [ "$REQUESTS" -le 20000 ] || { echo "requests must be 100..20000" >&2; exit 2; }
else
    SECS="${1:-5}"
    ROUNDS="${2:-3}"
fi
case "$SECS$ROUNDS" in *[!0-9]*) echo "usage: $0 [seconds-per-round] [rounds] | --instructions [requests]" >&2; exit 2 ;; esac
[ "$SECS" -ge 1 ] && [ "$SECS" -le 60 ] || { echo "seconds-per-round must be 1..60" >&2; exit 2; }
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || { echo "rounds must be 1..20" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CRATE="$ROOT/bench-http"
BIN="$CRATE/target/release/bench-server"
OUT_ROOT="${BENCH_HTTP_OUT:-$CRATE/target/results}"
OUT="$OUT_ROOT/$(date -u +%Y%m%dT%H%M%SZ)-$MODE"
KEYS="$OUT/keys"
BASE_PORT="${BENCH_HTTP_PORT:-18480}"
VARIANTS=(${BENCH_HTTP_VARIANTS:-axum-noauth axum-layer axum-layer-nocache axum-layer-revocation actix-noauth actix-middleware jwt-authorizer axum07-noauth})
AUTHENTICATED=" axum-layer axum-layer-nocache axum-layer-revocation actix-middleware jwt-authorizer "

log() { printf '%s\n' "$*" >&2; }
die() { log "bench-http: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk from Debian's packages"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    timeout 300 $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive timeout 300 $SUDO apt-get install -y -qq wrk >/dev/null
fi
for tool in wrk curl taskset cargo; do
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
log "building bench-http (release)"
(cd "$CRATE" && timeout 1800 cargo build --release --quiet) || die "build failed"
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

status_of() { # url [bearer-token] -> HTTP status, 000 when there is no answer
    local args=(-s -o /dev/null -w '%{http_code}' --max-time 2)
    [ -n "${2:-}" ] && args+=(-H "Authorization: Bearer $2")
    curl "${args[@]}" "$1" 2>/dev/null || true
}

# p99 from wrk's latency distribution, in ms.
p99_ms() {
    awk '$1 == "99%" {
        v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
        if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000
        printf "%.3f", v }' "$1"
}

wait_up() { # url log tries pause: until the server at $SERVER_PID answers; its last status in $code
    local url="$1" log_file="$2" tries="$3" pause="$4"
    code="000"
    for _ in $(seq "$tries"); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "$variant exited at start: $(cat "$log_file")"
        code="$(status_of "$url" "$TOKEN")"
        [ "$code" != "000" ] && break
        sleep "$pause"
    done
}

measure() { # variant port round
    local variant="$1" port="$2" round="$3"
    local url="http://127.0.0.1:$port/hello" log_file="$OUT/$variant.r$round"
    "${PIN_SERVER[@]}" "$BIN" "$variant" "127.0.0.1:$port" "$KEYS" >"$log_file.server" 2>&1 &
    SERVER_PID=$!
    local code
    wait_up "$url" "$log_file.server" 100 0.1 # up to ~10 s to come up
    [ "$code" = "200" ] || die "$variant answers $code with the token (want 200)"
    if [[ "$AUTHENTICATED" == *" $variant "* ]]; then
        code="$(status_of "$url")"
        [ "$code" = "401" ] || die "$variant answers $code without a token (want 401): not measured"
        code="$(status_of "$url" "$FORGED")"
        [ "$code" = "401" ] || die "$variant answers $code to a forged token (want 401): not measured"
    fi
    timeout $((SECS + 30)) "${PIN_LOAD[@]}" wrk -t1 -c32 -d"${SECS}s" --latency \
        -H "Authorization: Bearer $TOKEN" "$url" >"$log_file.wrk" 2>&1 || die "wrk failed on $variant: $(cat "$log_file.wrk")"
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
    printf '%s %s %s %s\n' "$variant" "$round" "$rps" "$p99" >>"$OUT/results.txt"
    log "$(printf 'round %d  %-20s %12.0f req/s   p99 %8.3f ms' "$round" "$variant" "$rps" "$p99")"
}

# --- instruction counts (--instructions) -------------------------------------------------
count_instructions() { # variant port requests: the server's total instructions into $base.total
    local variant="$1" port="$2" n="$3" url="http://127.0.0.1:$2/hello"
    local base="$OUT/$variant.callgrind.$n"
    valgrind --tool=callgrind --callgrind-out-file="$base.out" \
        "$BIN" "$variant" "127.0.0.1:$port" "$KEYS" >"$base.log" 2>&1 &
    SERVER_PID=$!
    local code
    wait_up "$url" "$base.log" 300 0.2 # up to ~60 s to come up under valgrind
    [ "$code" = "200" ] || die "$variant answers $code with the token under valgrind (want 200)"
    local urls=()
    for _ in $(seq "$n"); do urls+=("$url"); done
    timeout 600 curl -s -H "Authorization: Bearer $TOKEN" "${urls[@]}" >/dev/null || die "curl failed on $variant"
    stop_server
    awk '/Collected :/ { gsub(/,/, "", $NF); print $NF }' "$base.log" >"$base.total"
}

if [ "$MODE" = instructions ]; then
    command -v valgrind >/dev/null 2>&1 || die "valgrind is required for --instructions"
    : >"$OUT/instructions.txt"
    i=0
    for variant in "${VARIANTS[@]}"; do
        count_instructions "$variant" $((BASE_PORT + 2 * i)) 200
        count_instructions "$variant" $((BASE_PORT + 2 * i + 1)) $((200 + REQUESTS))
        small="$(cat "$OUT/$variant.callgrind.200.total")"
        large="$(cat "$OUT/$variant.callgrind.$((200 + REQUESTS)).total")"
        [ -n "$small" ] && [ -n "$large" ] || die "$variant: no callgrind totals"
        per=$(( (large - small) / REQUESTS ))
        echo "$variant $per" >>"$OUT/instructions.txt"
        log "$(printf '%-20s %10d instructions/request (user space)' "$variant" "$per")"
        i=$((i + 1))
    done
    echo
    echo "bench-http --instructions: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" rev-parse --short HEAD), $REQUESTS requests, token ${#TOKEN} bytes"
    awk '{ per[$1] = $2; order[++n] = $1 }
    END {
        printf "%-20s %14s\n", "variant", "instr/request"
        for (i = 1; i <= n; i++) printf "%-20s %14d\n", order[i], per[order[i]]
        print ""
        print "ratios of instructions per request (lower is cheaper; the inverse of a throughput ratio):"
        r("axum-layer", "axum-noauth"); r("axum-layer-revocation", "axum-noauth"); r("actix-middleware", "actix-noauth")
        r("jwt-authorizer", "axum-layer-nocache"); r("axum-layer-nocache", "axum-noauth")
        r("jwt-authorizer", "axum07-noauth")
    }
    function r(x, y) { if ((x in per) && (y in per) && per[y] > 0) printf "  %-40s %6.3f\n", x " / " y, per[x] / per[y] }' \
        "$OUT/instructions.txt" | tee "$OUT/instructions-summary.txt"
    exit 0
fi

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "token: ${#TOKEN} bytes; $ROUNDS round(s) x ${#VARIANTS[@]} variants x ${SECS} s; load: wrk -t1 -c32; loadavg before: $LOAD_BEFORE"
for round in $(seq "$ROUNDS"); do
    i=0
    for variant in "${VARIANTS[@]}"; do
        measure "$variant" $((BASE_PORT + i)) "$round"
        i=$((i + 1))
    done
done

# --- summary -----------------------------------------------------------------------------
summary() {
    awk -v order="${VARIANTS[*]}" '
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
        ratio("axum-layer-nocache", "jwt-authorizer", 1.25)
        info("jwt-authorizer", "axum07-noauth")
        info("axum-layer-nocache", "axum-noauth")
        info("axum07-noauth", "axum-noauth")
    }
    function ratio(x, y, target,   q) {
        if (!(x in med) || !(y in med) || med[y] == 0) return
        q = med[x] / med[y]
        printf "  %-40s %6.3f   target >= %.2f: %s\n", x " / " y, q, target, (q >= target ? "MET" : "NOT MET")
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
