#!/usr/bin/env bash
# hard eval's cost per image beside hard bench's latency plus the image's decode, in one run:
# the check that evaluating a folder runs on the fast plan (docs/benchmarks.md).
#
#   Benchmarks/compare-eval-bench.sh [MODEL] [HEIGHT] [WIDTH] [IMAGES] [ROUNDS]
#   Benchmarks/compare-eval-bench.sh hard-xxs 256 512 20 3
#
# Renders IMAGES SynthStreets scenes of HEIGHT x WIDTH as a folder dataset (PNG images and
# masks), makes a checkpoint (one training iteration: the weights do not matter for speed),
# then alternates `hard eval` over the folder and `hard bench` at that size, 2 threads.
# Prints per round: eval wall time per image (reading + prediction + plan building / images),
# bench latency, reading per image, and the ratio eval / (bench + reading).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-hard-xxs}; height=${2:-256}; width=${3:-512}; images=${4:-20}; rounds=${5:-3}
scripts/bootstrap.sh --python >/dev/null
swift build -c release --product hard >/dev/null
hard=.build/release/hard
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$hard" render-synth --train-images 2 --val-images "$images" --width "$width" --height "$height" --output "$work/data" >/dev/null
"$hard" train --model "$model" --dataset folder --root "$work/data" --iterations 1 --batch-size 2 --crop 64x64 \
    --val-interval 1 --val-images 1 --output "$work/run" >/dev/null
ck="$work/run/last.safetensors"
echo "model $model, $images images of ${height}x${width} (PNG), batch 1, FP32, 2 threads; $(date -u +%Y-%m-%d)"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
for r in $(seq 1 "$rounds"); do
    start=$(date +%s.%N)
    OMP_NUM_THREADS=2 "$hard" eval --checkpoint "$ck" --dataset folder --root "$work/data" --split val --json > "$work/eval.json"
    end=$(date +%s.%N)
    "$hard" bench --checkpoint "$ck" --height "$height" --width "$width" --threads 2 --seconds 3 --json > "$work/bench.json"
    .venv/bin/python - "$work/eval.json" "$work/bench.json" "$start" "$end" "$images" "$r" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
wall = (float(sys.argv[4]) - float(sys.argv[3])) * 1000 / int(sys.argv[5])
t = e["timing"]
inside = t["read_ms_per_image"] + t["predict_ms_per_image"] + t["plan_build_ms"] / e["images"]
budget = b["latency_ms"] + t["read_ms_per_image"]
print(f"round {sys.argv[6]}: eval {inside:.2f} ms/image inside the loop ({t['path']}: read {t['read_ms_per_image']:.2f}, "
      f"predict {t['predict_ms_per_image']:.2f}, plan {t['plan_build_ms']:.0f} ms once), {wall:.2f} ms/image for the whole process; "
      f"bench {b['latency_ms']:.2f} ms; ratio eval / (bench + read) = {inside / budget:.2f} (whole process {wall / budget:.2f})")
PY
done
