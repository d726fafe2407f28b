#!/usr/bin/env python3
"""Time batch-1 inference of an ONNX model with onnxruntime on the CPU.

Usage:
    python3 Tools/bench_onnxruntime.py MODEL.onnx --threads 2 --warmup 10 --seconds 5 \
        [--input INPUT.bin]

Session: CPUExecutionProvider, intra_op_num_threads=THREADS, inter_op_num_threads=1,
sequential execution, graph optimizations ORT_ENABLE_ALL.
The input is the model's first graph input (float32, static shape with the batch
dimension forced to 1 when it is symbolic); INPUT.bin, if given, is raw little-endian
float32 of that shape, otherwise a fixed-seed uniform [0, 1) tensor is used.

Prints one JSON line: {"latency_ms": median, "fps": 1000/median, "threads": N, "runs": count}.
Exit status 0, or 2 with a one-line error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


class BenchError(Exception):
    pass


def input_shape(value_info) -> list[int]:
    tensor = value_info.type.tensor_type
    if tensor.elem_type != 1:  # TensorProto.FLOAT
        raise BenchError(f"input '{value_info.name}' has elem_type {tensor.elem_type}, expected FLOAT (1)")
    dims = []
    for i, dim in enumerate(tensor.shape.dim):
        if dim.WhichOneof("value") == "dim_value":
            dims.append(int(dim.dim_value))
        elif i == 0:
            dims.append(1)  # symbolic batch dimension: batch 1
        else:
            raise BenchError(f"input '{value_info.name}' dimension {i} is not static")
    return dims


def run(args: argparse.Namespace) -> int:
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
    except ImportError as e:
        raise BenchError(f"missing Python package ({e.name}); pip install -r Tools/requirements.txt") from e

    if args.threads < 1:
        raise BenchError("--threads must be at least 1")
    if args.seconds <= 0:
        raise BenchError("--seconds must be positive")
    if args.warmup < 0:
        raise BenchError("--warmup must not be negative")

    try:
        model = onnx.load(args.model)
    except Exception as e:  # noqa: BLE001
        raise BenchError(f"cannot load {args.model}: {e}") from e
    initializer_names = {t.name for t in model.graph.initializer}
    inputs = [vi for vi in model.graph.input if vi.name not in initializer_names]
    if not inputs:
        raise BenchError("model graph has no (non-initializer) input")
    info = inputs[0]
    shape = input_shape(info)
    count = int(np.prod(shape, dtype=np.int64))

    if args.input:
        try:
            data = np.fromfile(args.input, dtype="<f4")
        except OSError as e:
            raise BenchError(f"cannot read input file {args.input}: {e.strerror or e}") from e
        if data.size != count:
            raise BenchError(f"input file {args.input} holds {data.size} float32 values, shape {shape} needs {count}")
        x = data.astype(np.float32).reshape(shape)
    else:
        x = np.random.default_rng(0).random(shape, dtype=np.float32)

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        session = ort.InferenceSession(
            model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
        )
        feeds = {info.name: x}
        for _ in range(args.warmup):
            session.run(None, feeds)
        times_ms: list[float] = []
        deadline = time.perf_counter() + args.seconds
        while True:
            start = time.perf_counter()
            session.run(None, feeds)
            end = time.perf_counter()
            times_ms.append((end - start) * 1000.0)
            if end >= deadline:
                break
    except Exception as e:  # noqa: BLE001
        msg = " ".join(str(e).split())
        raise BenchError(f"onnxruntime failed: {msg}") from e

    median = float(np.median(times_ms))
    print(json.dumps({
        "latency_ms": median,
        "fps": 1000.0 / median if median > 0 else None,
        "threads": args.threads,
        "runs": len(times_ms),
    }))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", metavar="MODEL.onnx")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs first (default 10)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent in timed runs (default 5)")
    parser.add_argument("--input", default=None, metavar="INPUT.bin", help="raw little-endian float32")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BenchError as e:
        print(f"bench_onnxruntime: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001
        msg = " ".join(str(e).split())
        print(f"bench_onnxruntime: error: {type(e).__name__}: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
