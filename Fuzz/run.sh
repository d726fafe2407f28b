#!/usr/bin/env bash
# make fuzz: builds hard-fuzz with libFuzzer and AddressSanitizer, then fuzzes each reader of
# untrusted input for a bounded time and prints what it did.
#
#   Fuzz/run.sh                      every target, FUZZ_SECONDS (120) each
#   FUZZ_SECONDS=150 Fuzz/run.sh     longer
#   FUZZ_TARGETS="png blob" Fuzz/run.sh
#   FUZZ_BUILD=0 Fuzz/run.sh         skip the build (the binary is already there)
#
# Per target: the committed seeds Fuzz/corpus/<target>/ (read only) and a working corpus
# runs/fuzz/<target>/ (outside git; what the fuzzer finds accumulates there across runs).
# A crash, a leak, a timeout (-timeout, seconds per input) or an out-of-memory
# (-rss_limit_mb) leaves its input in runs/fuzz/crashes/<target>-crash-<sha1> (or -leak-,
# -timeout-, -oom-) and makes this script exit 1. Reproduce one without libFuzzer:
#   swift run hard-fuzz <target> runs/fuzz/crashes/<file>
# then fix the reader and copy the input to Fuzz/regressions/<target>-<short-name>, which
# `make test` replays (Tests/HardFuzzTests).
set -uo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
SECONDS_EACH=${FUZZ_SECONDS:-120}
TARGETS=${FUZZ_TARGETS:-"png jpeg safetensors config blob mat video"}
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
OUT=${FUZZ_OUT:-runs/fuzz}
RSS_MB=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-10}

# Release code with Swift's checks on: -O given last overrides any -Ounchecked a target sets,
# so bounds and overflow checks trap as the bugs they are. libFuzzer's coverage for Swift
# (-sanitize=fuzzer) and C (SwiftPM passes -fsanitize=fuzzer to clang), AddressSanitizer for
# both. HARD_LIBFUZZER drops hard-fuzz's own main for libFuzzer's.
BUILD_FLAGS=(-c release --scratch-path "$SCRATCH" --product hard-fuzz --sanitize=fuzzer
             -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address
             -Xswiftc -O -Xswiftc -DHARD_LIBFUZZER)

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    echo "== building hard-fuzz: $SWIFT build ${BUILD_FLAGS[*]}"
    "$SWIFT" build "${BUILD_FLAGS[@]}" || exit 2
fi
BIN="$("$SWIFT" build "${BUILD_FLAGS[@]}" --show-bin-path)/hard-fuzz"
[ -x "$BIN" ] || { echo "no fuzzer binary at $BIN (run without FUZZ_BUILD=0)"; exit 2; }

mkdir -p "$OUT/crashes"
count() { find "$1" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l; }
stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

SUMMARY="$OUT/summary.md"
{
    echo "| target | seconds | executions | exec/s | corpus files (start -> end) | coverage (edges) | crashes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$SUMMARY"
failed=0
total_seconds=0
total_execs=0
for t in $TARGETS; do
    seeds="Fuzz/corpus/$t"
    work="$OUT/$t"
    log="$OUT/$t.log"
    [ -d "$seeds" ] || { echo "no seed corpus $seeds (Fuzz/make-seeds.sh)"; exit 2; }
    mkdir -p "$work"
    start_files=$(( $(count "$work") + $(count "$seeds") ))
    crashes_before=$(ls "$OUT/crashes" | grep -c "^$t-" || true)
    echo "== $t: ${SECONDS_EACH}s, log $log"
    began=$(date +%s)
    HARD_FUZZ_TARGET=$t SWIFT_BACKTRACE=enable=no "$BIN" "$work" "$seeds" \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
        -print_final_stats=1 -artifact_prefix="$OUT/crashes/$t-" > "$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - began ))
    execs=$(stat_of number_of_executed_units "$log"); execs=${execs:-0}
    per_second=$(( elapsed > 0 ? execs / elapsed : execs ))
    end_files=$(( $(count "$work") + $(count "$seeds") ))
    coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    crashes=$(( $(ls "$OUT/crashes" | grep -c "^$t-" || true) - crashes_before ))
    if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
        failed=1
        echo "   FAILED (exit $rc): $(grep -E '^(SUMMARY|==[0-9]+==ERROR)' "$log" | head -2 | tr '\n' ' ')"
        ls -t "$OUT/crashes" | grep "^$t-" | head -3 | sed "s|^|   input: $OUT/crashes/|"
    fi
    printf '   %s executions in %ss (%s/s), corpus %s -> %s files, coverage %s edges, %s crash inputs\n' \
        "$execs" "$elapsed" "$per_second" "$start_files" "$end_files" "${coverage:-?}" "$crashes"
    echo "| $t | $elapsed | $execs | $per_second | $start_files -> $end_files | ${coverage:-?} | $crashes |" >> "$SUMMARY"
    total_seconds=$(( total_seconds + elapsed ))
    total_execs=$(( total_execs + execs ))
done
echo "| all | $total_seconds | $total_execs | | | | |" >> "$SUMMARY"
echo "== total: $total_execs executions in ${total_seconds}s; table in $SUMMARY"
if [ "$failed" != 0 ]; then
    echo "== a target crashed: see the inputs under $OUT/crashes"
    exit 1
fi
