#!/usr/bin/env python3
"""Generate small numeric reference fixtures with PyTorch for HardEngineTests.

Usage:
    python3 Tools/make_torch_fixtures.py [--out DIR] [--dtype float64|float32]

Requires torch and numpy (CPU is enough). Deterministic: every input and every
upstream gradient is drawn from np.random.default_rng(1234) in a fixed order.

Each fixture is a JSON object:
    {"generator": "PyTorch <version>", "description": "...",
     "compute_dtype": "float64",
     "tensors": {NAME: {"shape": [...], "data": [flat row-major floats]}},
     ...scalar parameters / results as top-level keys...}

Inputs are float32 values. Every stored float is written with 8 significant
digits; inputs are first rounded to 8 significant digits and then to float32,
and PyTorch runs on exactly those float32 values, so parsing the JSON decimal
into a Float reproduces the value PyTorch saw. Reference results are computed
(by default) in float64 from those float32 inputs and then rounded to 8
significant digits, so they are the "exact" answers a float32 implementation
should approach within its own rounding error.
"""

import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

RNG = np.random.default_rng(1234)
COMPUTE = torch.float64


def r8(v):
    """Round a Python float to 8 significant digits (NaN/inf become strings)."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(f"{v:.8g}")


def as_input(a):
    """Quantise an array to what the JSON will carry: 8 significant digits, float32."""
    a = np.asarray(a, dtype=np.float64)
    q = np.array([float(f"{v:.8g}") for v in a.ravel()], dtype=np.float64)
    return q.astype(np.float32).reshape(a.shape)


def uniform(shape, lo=-1.0, hi=1.0):
    return as_input(RNG.uniform(lo, hi, size=shape))


def normal(shape):
    return as_input(RNG.standard_normal(size=shape))


def t(a, grad=False):
    """float32 numpy -> torch tensor in the compute dtype."""
    x = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(COMPUTE)
    if grad:
        x.requires_grad_(True)
    return x


def enc(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().to(torch.float64).numpy()
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [r8(v) for v in x.ravel()]}


def fixture(description, tensors, **params):
    obj = {
        "generator": f"PyTorch {torch.__version__}",
        "description": description,
        "compute_dtype": str(COMPUTE).replace("torch.", ""),
    }
    obj.update(params)
    obj["tensors"] = {k: enc(v) for k, v in tensors.items()}
    return obj


def grads(out_fn, g, *inputs):
    """Run out_fn(*inputs) and backprop sum(out * g); returns (out, [grads])."""
    out = out_fn(*inputs)
    (out * g).sum().backward()
    return out, [i.grad for i in inputs]


# --------------------------------------------------------------------------- a
def make_resize():
    x_np = uniform((1, 2, 5, 7))
    tensors = {"x": x_np}
    params = {}
    for prefix, size in (("up", (8, 11)), ("down", (3, 4))):
        g_np = uniform((1, 2) + size)
        x = t(x_np, grad=True)
        out, (gx,) = grads(
            lambda v: F.interpolate(v, size=size, mode="bilinear", align_corners=False),
            t(g_np), x)
        tensors[f"{prefix}_out"] = out
        tensors[f"{prefix}_g"] = g_np
        tensors[f"{prefix}_grad_x"] = gx
        params[f"{prefix}_size"] = list(size)
    return fixture(
        "F.interpolate(x, size, mode='bilinear', align_corners=False) on NCHW x; "
        "<case>_grad_x = d(sum(<case>_out * <case>_g))/dx.",
        tensors, mode="bilinear", align_corners=False, **params)


# --------------------------------------------------------------------------- b
def make_conv():
    x_np = uniform((1, 3, 9, 10))
    w_np = uniform((3, 1, 3, 3))
    b_np = uniform((3,))
    tensors = {"x": x_np, "w": w_np, "b": b_np}
    cases = {
        "s1": {"stride": 1, "padding": 2, "dilation": 2, "groups": 3},
        "s2": {"stride": 2, "padding": 3, "dilation": 3, "groups": 3},
    }
    for name, p in cases.items():
        fn = lambda x, w, b: F.conv2d(x, w, b, stride=p["stride"], padding=p["padding"],
                                      dilation=p["dilation"], groups=p["groups"])
        with torch.no_grad():
            shape = tuple(fn(t(x_np), t(w_np), t(b_np)).shape)
        g_np = uniform(shape)
        out, (gx, gw, gb) = grads(fn, t(g_np), t(x_np, True), t(w_np, True), t(b_np, True))
        tensors[f"{name}_out"] = out
        tensors[f"{name}_g"] = g_np
        tensors[f"{name}_grad_x"] = gx
        tensors[f"{name}_grad_w"] = gw
        tensors[f"{name}_grad_b"] = gb
    return fixture(
        "Depthwise dilated F.conv2d(x, w, b, stride, padding, dilation, groups=3), "
        "weight layout (C_out, C_in/groups, kH, kW). Gradients of sum(<case>_out * <case>_g).",
        tensors, **cases)


# --------------------------------------------------------------------------- c
def make_cross_entropy():
    logits_np = normal((2, 4, 3, 5))
    labels = RNG.integers(0, 4, size=(2, 3, 5))
    ignore = RNG.random(size=(2, 3, 5)) < 0.2
    labels = np.where(ignore, 255, labels)
    w_np = uniform((4,), 0.5, 2.0)
    target = torch.from_numpy(labels.astype(np.int64))

    results = {}
    for name, weight in (("unweighted", None), ("weighted", t(w_np))):
        logits = t(logits_np, grad=True)
        loss = F.cross_entropy(logits, target, weight=weight, ignore_index=255, reduction="mean")
        loss.backward()
        results[name] = (loss.item(), logits.grad)

    # all pixels ignored
    tiny_np = normal((1, 3, 2, 2))
    tiny = t(tiny_np, grad=True)
    tiny_target = torch.full((1, 2, 2), 255, dtype=torch.int64)
    all_loss = F.cross_entropy(tiny, tiny_target, ignore_index=255, reduction="mean")
    all_loss.backward()

    tensors = {
        "logits": logits_np,
        "target": labels.astype(np.float64),
        "w": w_np,
        "grad_unweighted": results["unweighted"][1],
        "grad_weighted": results["weighted"][1],
        "all_ignored_logits": tiny_np,
        "all_ignored_target": np.full((1, 2, 2), 255.0),
        "all_ignored_grad": tiny.grad,
    }
    return fixture(
        "F.cross_entropy(logits (N,C,H,W), target (N,H,W), ignore_index=255, reduction='mean'); "
        "target stores integer class ids as floats (255 = ignore). Weighted mean = "
        "sum(w[y]*nll)/sum(w[y]) over non-ignored pixels. grad_* = d loss / d logits. "
        "all_ignored_*: every target pixel is 255; the loss PyTorch returns is recorded as is "
        "('nan' when NaN).",
        tensors,
        ignore_index=255,
        num_ignored=int(ignore.sum()),
        num_pixels=int(ignore.size),
        loss_unweighted=r8(results["unweighted"][0]),
        loss_weighted=r8(results["weighted"][0]),
        all_ignored_loss=r8(all_loss.item()),
    )


# --------------------------------------------------------------------------- d
def make_batchnorm():
    x_np = normal((2, 3, 4, 5))
    gamma_np = uniform((3,), 0.5, 1.5)
    beta_np = uniform((3,), -0.5, 0.5)
    g_np = uniform((2, 3, 4, 5))
    running_mean = torch.zeros(3, dtype=COMPUTE)
    running_var = torch.ones(3, dtype=COMPUTE)
    x, gamma, beta = t(x_np, True), t(gamma_np, True), t(beta_np, True)
    out = F.batch_norm(x, running_mean, running_var, gamma, beta,
                       training=True, momentum=0.1, eps=1e-5)
    (out * t(g_np)).sum().backward()
    tensors = {
        "x": x_np, "gamma": gamma_np, "beta": beta_np, "out": out,
        "running_mean": running_mean, "running_var": running_var,
        "g": g_np, "grad_x": x.grad, "grad_gamma": gamma.grad, "grad_beta": beta.grad,
    }
    return fixture(
        "F.batch_norm training mode, per-channel batch statistics over (N,H,W), biased variance "
        "for normalisation; running stats start at mean 0 / var 1 and are updated with "
        "momentum 0.1 using the UNBIASED batch variance. Gradients of sum(out * g).",
        tensors, momentum=0.1, eps=1e-5, initial_running_mean=0.0, initial_running_var=1.0)


# --------------------------------------------------------------------------- e
def make_pooling():
    n = 1 * 2 * 7 * 8
    perm = RNG.permutation(n).astype(np.float64)
    x_np = as_input(((perm - n / 2) / 16.0).reshape(1, 2, 7, 8))  # distinct, exact in binary
    assert len(np.unique(x_np)) == n

    x = t(x_np, True)
    fn = lambda v: F.avg_pool2d(v, kernel_size=3, stride=2, padding=1, count_include_pad=True)
    with torch.no_grad():
        shape = tuple(fn(t(x_np)).shape)
    avg_g = uniform(shape)
    avg_out, (avg_gx,) = grads(fn, t(avg_g), x)

    x = t(x_np, True)
    fn = lambda v: F.max_pool2d(v, kernel_size=3, stride=2, padding=1)
    max_g = uniform(shape)
    max_out, (max_gx,) = grads(fn, t(max_g), x)

    tensors = {
        "x": x_np,
        "avg_out": avg_out, "avg_g": avg_g, "avg_grad_x": avg_gx,
        "max_out": max_out, "max_g": max_g, "max_grad_x": max_gx,
    }
    return fixture(
        "F.avg_pool2d(kernel 3, stride 2, padding 1, count_include_pad=True) and "
        "F.max_pool2d(kernel 3, stride 2, padding 1) on x with distinct values (unique argmax). "
        "Gradients of sum(<op>_out * <op>_g).",
        tensors,
        avg={"kernel": 3, "stride": 2, "padding": 1, "count_include_pad": True},
        max={"kernel": 3, "stride": 2, "padding": 1})


def check_float32_roundtrip(obj):
    """Best-effort: correctly rounded strtof on each stored decimal equals numpy's parse."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        strtof = libc.strtof
        strtof.restype = ctypes.c_float
        strtof.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    except Exception:
        return
    for name, tensor in obj["tensors"].items():
        for v in tensor["data"]:
            if isinstance(v, str):
                continue
            s = repr(v).encode()
            a = np.float32(strtof(s, None))
            b = np.float32(v)
            assert a == b, (name, v, a, b)


def main():
    global COMPUTE
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "Tests", "HardEngineTests", "Fixtures")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                    help="dtype PyTorch computes the references in (inputs are always float32)")
    args = ap.parse_args()
    COMPUTE = getattr(torch, args.dtype)
    torch.use_deterministic_algorithms(True)

    os.makedirs(args.out, exist_ok=True)
    makers = [
        ("resize_bilinear.json", make_resize),
        ("conv_depthwise_dilated.json", make_conv),
        ("cross_entropy.json", make_cross_entropy),
        ("batchnorm.json", make_batchnorm),
        ("pooling.json", make_pooling),
    ]
    total = 0
    for fname, maker in makers:
        obj = maker()
        check_float32_roundtrip(obj)
        path = os.path.join(args.out, fname)
        with open(path, "w") as f:
            json.dump(obj, f, separators=(",", ":"))
            f.write("\n")
        size = os.path.getsize(path)
        total += size
        shapes = ", ".join(f"{k}{tuple(v['shape'])}" for k, v in obj["tensors"].items())
        print(f"{fname}: {size} bytes; {shapes}")
    print(f"total: {total} bytes (torch {torch.__version__}, compute {args.dtype})")


if __name__ == "__main__":
    main()
