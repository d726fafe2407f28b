#!/usr/bin/env bash
# hard's training speed beside PyTorch's, on this CPU, side by side, alternating, in one run.
#
#   Benchmarks/compare-torch-training.sh [ROUNDS] [ITERATIONS] [MODELS...]
#
# Per round and model (default HARD-XXS and HARD-S; batch 8 at 360x640, 2 threads, FP32):
# `hard bench-train`, then `python -m hard_torch.bench_train` (Tools/torch/hard_torch/bench_train.py,
# the same iteration: train-mode forward with auxiliary heads, Eq. 7 losses, backward, AdamW)
# eager with NCHW and with channels_last activations, and with torch.compile when
# COMPILE=1. Each figure is the median of ITERATIONS timed iterations after 2 warm-ups; the
# summary is the median over rounds and hard's speed-up over PyTorch's faster eager layout.
# Needs .venv-torch (scripts/bootstrap.sh --torch). BENCH_BUILD=0 times the binary already built.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; iters=${2:-5}; shift $(( $# >= 2 ? 2 : $# )) || true
models=("$@"); ((${#models[@]})) || models=(hard-xxs hard-s)
batch=${BATCH:-8}; height=${HEIGHT:-360}; width=${WIDTH:-640}; threads=${THREADS:-2}
if [[ "${BENCH_BUILD:-1}" != 0 ]]; then
    scripts/bootstrap.sh --torch >/dev/null
    swift build -c release --product hard >/dev/null
fi
hard=.build/release/hard; py=.venv-torch/bin/python
export PYTHONPATH=Tools/torch${PYTHONPATH:+:$PYTHONPATH}
ms() { $py -c 'import json,sys; print(json.load(sys.stdin)["ms_per_iteration"])'; }
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "torch $($py -c 'import torch; print(torch.__version__)'); batch $batch, ${height}x${width}, FP32, $threads threads; median of $iters iterations after 2 warm-ups; $rounds rounds"
kinds=(hard torch-nchw torch-nhwc); [[ "${COMPILE:-0}" == 1 ]] && kinds+=(torch-compile)
declare -A res
for r in $(seq 1 "$rounds"); do
    for m in "${models[@]}"; do
        common=(--model "$m" --batch-size "$batch" --height "$height" --width "$width" --threads "$threads" --iterations "$iters" --json)
        for k in "${kinds[@]}"; do
            case $k in
                hard) v=$("$hard" bench-train "${common[@]}" | ms) ;;
                torch-nchw) v=$($py -m hard_torch.bench_train "${common[@]}" | ms) ;;
                torch-nhwc) v=$($py -m hard_torch.bench_train "${common[@]}" --memory-format channels_last | ms) ;;
                torch-compile) v=$($py -m hard_torch.bench_train "${common[@]}" --memory-format channels_last --compile | ms) ;;
            esac
            printf 'round %d %-9s %-13s %8.1f ms\n' "$r" "$m" "$k" "$v"
            res["$m $k"]+="$v "
        done
    done
done
for m in "${models[@]}"; do
    args=(); for k in "${kinds[@]}"; do args+=("$k=${res[$m $k]}"); done
    $py - "$m" "${args[@]}" <<'PY'
import statistics, sys
model, med = sys.argv[1], {}
for arg in sys.argv[2:]:
    k, v = arg.split("=", 1)
    med[k] = statistics.median(float(x) for x in v.split())
eager = min(med["torch-nchw"], med["torch-nhwc"])
line = ", ".join(f"{k} {v:.1f} ms" for k, v in med.items())
print(f"median {model}: {line}; hard / PyTorch eager (faster layout) speed-up {eager / med['hard']:.2f}x"
      + (f", vs compiled {med['torch-compile'] / med['hard']:.2f}x" if "torch-compile" in med else ""))
PY
done
