#!/usr/bin/env python3
"""Runs a .tflite model (from `hard export tflite`) with LiteRT's interpreter and writes its
outputs, so hard's tests can compare them with the host int8 runtime bit for bit.

    check_tflite.py MODEL INPUT OUTDIR [--resolver ref|builtin|auto] [--ops]

INPUT holds one or more raw input tensors back to back (the model's input dtype and shape:
int8 normalised images, or uint8 RGB with --rgb-input). For each, OUTDIR/<resolver>_<n>_<name>.bin
gets each output tensor's raw bytes (little-endian). Resolvers: `ref` = TFLite's reference
kernels (OpResolverType.BUILTIN_REF), `builtin` = its optimised kernels without the default
delegates (BUILTIN_WITHOUT_DEFAULT_DELEGATES), `auto` = what a plain Interpreter does
(optimised kernels with the XNNPACK delegate). --ops prints the builtin operators used.
"""
import argparse
import os
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

RESOLVERS = {
    "ref": OpResolverType.BUILTIN_REF,
    "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    "auto": OpResolverType.AUTO,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("outdir")
    p.add_argument("--resolver", choices=sorted(RESOLVERS), default="ref")
    p.add_argument("--ops", action="store_true")
    a = p.parse_args()
    try:
        it = Interpreter(model_path=a.model, experimental_op_resolver_type=RESOLVERS[a.resolver])
        it.allocate_tensors()
    except (ValueError, RuntimeError) as e:
        sys.exit(f"{a.model}: LiteRT refused the model: {e}")
    if a.ops:
        print(" ".join(sorted({op["op_name"] for op in it._get_ops_details()})))
    inp = it.get_input_details()[0]
    shape, dtype = inp["shape"], np.dtype(inp["dtype"])
    size = int(np.prod(shape)) * dtype.itemsize
    data = open(a.input, "rb").read()
    if len(data) == 0 or len(data) % size != 0:
        sys.exit(f"{a.input}: {len(data)} bytes is not a whole number of {shape} {dtype} inputs ({size} bytes each)")
    os.makedirs(a.outdir, exist_ok=True)
    for n in range(len(data) // size):
        x = np.frombuffer(data[n * size:(n + 1) * size], dtype=dtype).reshape(shape)
        it.set_tensor(inp["index"], x)
        it.invoke()
        for out in it.get_output_details():
            y = it.get_tensor(out["index"])
            with open(os.path.join(a.outdir, f"{a.resolver}_{n}_{out['name']}.bin"), "wb") as f:
                f.write(y.astype(y.dtype.newbyteorder("<")).tobytes())
    print(f"{a.resolver}: {len(data) // size} inputs, outputs in {a.outdir}")


if __name__ == "__main__":
    main()
