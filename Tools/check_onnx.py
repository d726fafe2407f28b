#!/usr/bin/env python3
"""Check an exported ONNX model: the ONNX checker, then onnxruntime against expected output.

Usage:
    python3 Tools/check_onnx.py MODEL.onnx --input INPUT.bin --expected EXPECTED.bin \
        [--atol 1e-4] [--threads N]

INPUT.bin and EXPECTED.bin are raw little-endian float32, laid out in the shapes of
the model's first graph input and first graph output (shapes taken from the graph;
a symbolic or unknown dimension is an error).

Prints one JSON line:
    {"checker": "ok", "max_abs_diff": ..., "ok": bool, "opset": N, "ops": [...]}
Exit status: 0 if max_abs_diff <= atol, 1 if not, 2 on any failure (with a one-line error).

Requirements: Tools/requirements.txt (onnx, onnxruntime, numpy).
"""

from __future__ import annotations

import argparse
import json
import sys


class CheckError(Exception):
    pass


def static_shape(value_info, what: str) -> list[int]:
    """The static shape of a graph input/output ValueInfoProto."""
    ttype = value_info.type
    if ttype.WhichOneof("value") != "tensor_type":
        raise CheckError(f"{what} '{value_info.name}' is not a tensor")
    tensor = ttype.tensor_type
    if tensor.elem_type != 1:  # TensorProto.FLOAT
        raise CheckError(f"{what} '{value_info.name}' has elem_type {tensor.elem_type}, expected FLOAT (1)")
    if not tensor.HasField("shape"):
        raise CheckError(f"{what} '{value_info.name}' has no shape in the graph")
    dims = []
    for i, dim in enumerate(tensor.shape.dim):
        if dim.WhichOneof("value") != "dim_value":
            raise CheckError(f"{what} '{value_info.name}' dimension {i} is not static")
        dims.append(int(dim.dim_value))
    return dims


def read_f32(path: str, shape: list[int], what: str):
    import numpy as np

    try:
        data = np.fromfile(path, dtype="<f4")
    except OSError as e:
        raise CheckError(f"cannot read {what} file {path}: {e.strerror or e}") from e
    count = 1
    for d in shape:
        count *= d
    if data.size != count:
        raise CheckError(
            f"{what} file {path} holds {data.size} float32 values, shape {shape} needs {count}"
        )
    return data.astype(np.float32).reshape(shape)


def default_opset(model) -> int:
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            return int(opset.version)
    raise CheckError("model imports no default-domain (ai.onnx) opset")


def collect_ops(graph, ops: set[str]) -> None:
    """Op types of the graph, including those in subgraphs (If/Loop/Scan bodies)."""
    for node in graph.node:
        ops.add(node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}")
        for attr in node.attribute:
            if attr.HasField("g"):
                collect_ops(attr.g, ops)
            for sub in attr.graphs:
                collect_ops(sub, ops)


def run(args: argparse.Namespace) -> int:
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
    except ImportError as e:
        raise CheckError(f"missing Python package ({e.name}); pip install -r Tools/requirements.txt") from e

    try:
        model = onnx.load(args.model)
    except Exception as e:  # noqa: BLE001 - any parse/IO failure is reported the same way
        raise CheckError(f"cannot load {args.model}: {e}") from e

    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # noqa: BLE001
        msg = " ".join(str(e).split())
        raise CheckError(f"onnx checker failed: {msg}") from e

    graph = model.graph
    initializer_names = {t.name for t in graph.initializer}
    inputs = [vi for vi in graph.input if vi.name not in initializer_names]
    if not inputs:
        raise CheckError("model graph has no (non-initializer) input")
    if not graph.output:
        raise CheckError("model graph has no output")
    in_info, out_info = inputs[0], graph.output[0]
    in_shape = static_shape(in_info, "input")
    out_shape = static_shape(out_info, "output")

    x = read_f32(args.input, in_shape, "input")
    expected = read_f32(args.expected, out_shape, "expected")

    options = ort.SessionOptions()
    if args.threads is not None:
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(
            model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
        )
        (y,) = session.run([out_info.name], {in_info.name: x})
    except Exception as e:  # noqa: BLE001
        msg = " ".join(str(e).split())
        raise CheckError(f"onnxruntime failed: {msg}") from e

    y = np.asarray(y)
    if list(y.shape) != out_shape:
        raise CheckError(f"onnxruntime output shape {list(y.shape)} differs from graph output shape {out_shape}")
    diff = np.abs(y.astype(np.float64) - expected.astype(np.float64))
    max_abs_diff = float(diff.max()) if diff.size else 0.0
    if not np.isfinite(max_abs_diff):
        max_abs_diff = float("inf")
    ok = max_abs_diff <= args.atol

    ops: set[str] = set()
    collect_ops(graph, ops)
    result = {
        "checker": "ok",
        "max_abs_diff": max_abs_diff if np.isfinite(max_abs_diff) else None,
        "ok": bool(ok),
        "opset": default_opset(model),
        "ops": sorted(ops),
    }
    print(json.dumps(result))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", metavar="MODEL.onnx")
    parser.add_argument("--input", required=True, metavar="INPUT.bin", help="raw little-endian float32")
    parser.add_argument("--expected", required=True, metavar="EXPECTED.bin", help="raw little-endian float32")
    parser.add_argument("--atol", type=float, default=1e-4, help="max absolute difference allowed (default 1e-4)")
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except CheckError as e:
        print(f"check_onnx: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - last resort: still one line, still exit 2
        msg = " ".join(str(e).split())
        print(f"check_onnx: error: {type(e).__name__}: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
