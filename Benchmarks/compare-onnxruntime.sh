#!/usr/bin/env bash
# Side by side: hard bench and ONNX Runtime on the same exported model, same input size,
# same threads, same warm-up and timed duration, alternating, in one run.
#
#   Benchmarks/compare-onnxruntime.sh MODEL HEIGHT WIDTH [THREADS] [ROUNDS] [SECONDS]
#   Benchmarks/compare-onnxruntime.sh hard-xxs 360 640 2 3 5
#
# Prints each round's latencies and the ratio ONNX Runtime / hard (> 1: hard is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?model}; height=${2:?height}; width=${3:?width}; threads=${4:-2}; rounds=${5:-3}; seconds=${6:-5}
scripts/bootstrap.sh --python >/dev/null
swift build -c release --product hard >/dev/null
hard=.build/release/hard
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$hard" export onnx --model "$model" --height "$height" --width "$width" -o "$work/model.onnx" >/dev/null
echo "model $model ${height}x${width}, batch 1, FP32, $threads threads, 10 warm-ups, ${seconds}s timed per run, $rounds rounds"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%Y-%m-%d)"
hs=(); os=()
for r in $(seq 1 "$rounds"); do
    h=$("$hard" bench --model "$model" --height "$height" --width "$width" --threads "$threads" --seconds "$seconds" --json \
        | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"])')
    o=$(.venv/bin/python Tools/bench_onnxruntime.py "$work/model.onnx" --threads "$threads" --warmup 10 --seconds "$seconds" \
        | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"])')
    printf 'round %d: hard %.2f ms, onnxruntime %.2f ms\n' "$r" "$h" "$o"
    hs+=("$h"); os+=("$o")
done
.venv/bin/python - "${hs[*]}" "${os[*]}" <<'PY'
import statistics, sys
h = [float(x) for x in sys.argv[1].split()]; o = [float(x) for x in sys.argv[2].split()]
mh, mo = statistics.median(h), statistics.median(o)
print(f"median: hard {mh:.2f} ms ({1000/mh:.1f} FPS), onnxruntime {mo:.2f} ms ({1000/mo:.1f} FPS); ratio onnxruntime/hard = {mo/mh:.2f}")
PY
