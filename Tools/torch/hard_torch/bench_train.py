"""PyTorch's half of the hard-vs-PyTorch training comparison (Benchmarks/compare-torch-training.sh):
the same iteration `hard bench-train` times (Sources/HardTrain/TrainingBenchmark.swift), in PyTorch.

One fixed random batch (N, 3, H, W) with labels holding every class and a tenth of the pixels
ignored (255); per iteration: train-mode forward (HARD-GPU's auxiliary heads included), CE(main) +
0.3 * sum CE(aux), backward, AdamW (lr 1e-3, weight decay 1e-4). Two warm-ups, then the median of
the timed iterations. No data loading.

    python -m hard_torch.bench_train --model hard-xxs --batch-size 8 --height 360 --width 640 --threads 2 \
        [--iterations 5] [--memory-format channels_last] [--compile] --json
"""

import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from .variants import VARIANTS, build_model

AUX_WEIGHT = 0.3


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m hard_torch.bench_train", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="hard-xxs")
    p.add_argument("--classes", type=int, default=19)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--memory-format", choices=("contiguous", "channels_last"), default="contiguous",
                   help="activation layout: NCHW (contiguous) or NHWC (channels_last, oneDNN's preferred)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (inductor; compile time not timed)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    for name, value, low, high in (("--batch-size", a.batch_size, 1, 4096), ("--height", a.height, 16, 16384),
                                   ("--width", a.width, 16, 16384), ("--threads", a.threads, 1, 1024),
                                   ("--iterations", a.iterations, 1, 1000), ("--classes", a.classes, 1, 255)):
        if not low <= value <= high:
            p.error(f"{name} must be {low}...{high}, got {value}")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    fmt = torch.channels_last if a.memory_format == "channels_last" else torch.contiguous_format
    model = build_model(a.model, a.classes).to(memory_format=fmt)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    g = torch.Generator().manual_seed(1)
    images = torch.randn(a.batch_size, 3, a.height, a.width, generator=g).contiguous(memory_format=fmt)
    labels = torch.randint(0, a.classes, (a.batch_size, a.height, a.width), generator=g)
    labels[torch.rand(labels.shape, generator=g) < 0.1] = 255
    forward = torch.compile(model.outputs) if a.compile else model.outputs

    def step():
        outputs = forward(images)
        loss = F.cross_entropy(outputs[0], labels, ignore_index=255)
        if len(outputs) > 1:
            loss = loss + AUX_WEIGHT * sum(F.cross_entropy(o, labels, ignore_index=255) for o in outputs[1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    samples = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(samples)
    result = {"model": a.model, "batch": a.batch_size, "height": a.height, "width": a.width, "threads": a.threads,
              "iterations": a.iterations, "ms_per_iteration": ms, "images_per_second": a.batch_size * 1000 / ms,
              "memory_format": a.memory_format, "compile": a.compile, "torch": torch.__version__}
    if a.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(f"{a.model} training (PyTorch {torch.__version__}, {a.memory_format}{', compiled' if a.compile else ''}), "
              f"batch {a.batch_size} of {a.height}x{a.width}, {a.threads} threads: median {ms:.1f} ms per iteration")
    return 0


if __name__ == "__main__":
    sys.exit(main())
