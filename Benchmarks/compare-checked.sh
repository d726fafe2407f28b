#!/usr/bin/env bash
# The cost of Swift's checks: the release build as shipped (bounds, overflow and
# precondition checks on) against the same source built with -Ounchecked, side by side,
# alternating, in one run.
#
#   Benchmarks/compare-checked.sh [ROUNDS] [SECONDS] [TRAIN_ITERATIONS]
#
# Per round: `hard bench` (batch 1, 2 threads) on HARD-XXS and HARD-S at 360x640 and HARD-GPU
# at 512x1024 with each build, then `hard bench-train` of HARD-XXS (one training iteration on
# a fixed batch of 8 at 360x640, no data loading: median of TRAIN_ITERATIONS after 2 warm-ups)
# with each build. Prints each figure and the medians' ratio checked/unchecked.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; seconds=${2:-5}; iters=${3:-8}
if [[ "${BENCH_BUILD:-1}" != 0 ]]; then   # BENCH_BUILD=0: time the binaries already built
    scripts/bootstrap.sh --python >/dev/null
    swift build -c release --product hard >/dev/null
    swift build -c release --product hard --scratch-path .build-unchecked -Xswiftc -Ounchecked >/dev/null
fi
checked=.build/release/hard; unchecked=.build-unchecked/release/hard
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
py=.venv/bin/python
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "bench: batch 1, FP32, 2 threads, 10 warm-ups, ${seconds}s timed; train: hard-xxs batch 8, 360x640, median of $iters iterations; $rounds rounds"
bench() { "$1" bench --model "$2" --height "$3" --width "$4" --threads 2 --seconds "$seconds" --json | $py -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"])'; }
train() {
    "$1" bench-train --model hard-xxs --batch-size 8 --height 360 --width 640 --threads 2 --iterations "$iters" --json \
        | $py -c 'import json,sys; print(json.load(sys.stdin)["ms_per_iteration"])'
}
declare -A res
for r in $(seq 1 "$rounds"); do
    for spec in "hard-xxs 360 640" "hard-s 360 640" "hard-gpu 512 1024"; do
        set -- $spec
        c=$(bench "$checked" "$1" "$2" "$3"); u=$(bench "$unchecked" "$1" "$2" "$3")
        printf 'round %d %-9s %sx%s: checked %.2f ms, unchecked %.2f ms\n' "$r" "$1" "$2" "$3" "$c" "$u"
        res["$1 c"]+="$c "; res["$1 u"]+="$u "
    done
    c=$(train "$checked"); u=$(train "$unchecked")
    printf 'round %d train step hard-xxs b8 360x640: checked %.0f ms, unchecked %.0f ms\n' "$r" "$c" "$u"
    res["train c"]+="$c "; res["train u"]+="$u "
done
for k in hard-xxs hard-s hard-gpu train; do
    $py - "$k" "${res[$k c]}" "${res[$k u]}" <<'PY'
import statistics, sys
c = statistics.median(float(x) for x in sys.argv[2].split()); u = statistics.median(float(x) for x in sys.argv[3].split())
print(f"median {sys.argv[1]:9s}: checked {c:.2f} ms, unchecked {u:.2f} ms; checked/unchecked = {c/u:.3f}")
PY
done
