"""One step of hard's recipe (Sources/HardTrain/Trainer.swift, Sources/HardNN/Optimizers.swift) on
the parity model, as the fixtures record it: train-mode forward (HARD-GPU's auxiliary heads
included), CE(main) + 0.3 * sum CE(aux) with ignore index 255, backward, AdamW."""

import numpy as np
import torch
import torch.nn.functional as F

from . import parity
from .variants import build_model

SLICE = 16                      # first values kept of each tensor
BATCH, LR, WEIGHT_DECAY, AUX_WEIGHT = 2, 1e-2, 1e-4, 0.3
VARIANTS = ("hard-gpu", "hard-s", "hard-xs", "hard-xxs", "hard-edge")


def loss_of(outputs, labels):
    """Eq. 7: (total, main, aux sum)."""
    main = F.cross_entropy(outputs[0], labels, ignore_index=255)
    if len(outputs) == 1:
        return main, main, torch.zeros(())
    aux = sum(F.cross_entropy(o, labels, ignore_index=255) for o in outputs[1:])
    return main + AUX_WEIGHT * aux, main, aux


def train_step(variant: str, dtype=torch.float32, perturbation: float = 0.0, seed: int = 0):
    """Returns [(name, array)]: loss [total, main, aux], grad.<key> / gradnorm.<key> of each
    parameter, after.<key> of each parameter and buffer (the first SLICE values). With
    dtype=torch.float64 the same step in double precision (the parity values are exact in both).
    perturbation > 0 multiplies every parameter and input value by 1 + perturbation * N(0, 1)
    (seeded) first: `perturbation_noise`."""
    h, w, c = parity.HEIGHT, parity.WIDTH, parity.CLASSES
    model = build_model(variant, c)
    parity.fill(model)
    model.to(dtype)
    model.train()
    x = parity.input_batch(BATCH, h, w).to(dtype)
    if perturbation > 0:
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(1 + perturbation * torch.randn(p.shape, generator=g, dtype=dtype))
            x = x * (1 + perturbation * torch.randn(x.shape, generator=g, dtype=dtype))
    y = parity.labels(BATCH, h, w, c)
    total, main, aux = loss_of(model.outputs(x), y)
    total.backward()
    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    out = [("loss", np.array([total.item(), main.item(), aux.item()], dtype=np_dtype))]
    for key, p in model.named_parameters():
        g = p.grad.detach().reshape(-1).numpy() if p.grad is not None else np.zeros(p.numel(), np_dtype)
        out.append((f"grad.{key}", g[:SLICE].copy()))
        out.append((f"gradnorm.{key}", np.array([np.sqrt(np.sum(g.astype(np.float64) ** 2))], dtype=np_dtype)))
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=WEIGHT_DECAY,
                            foreach=False)
    opt.step()
    for key, t in model.state_dict().items():
        out.append((f"after.{key}", t.detach().reshape(-1)[:SLICE].numpy().copy()))
    return out


def relative_error(a, b) -> float:
    """||a - b|| / ||b|| in double precision (b the reference)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def noise(out32, out64):
    """PyTorch's own float32 error against float64, ||f32 - f64|| / ||f64||, per entry, in
    sorted-name order: (names, float32 array). Deep variants in training mode amplify rounding
    (BatchNorm over few values per channel), so the parity tolerance of an entry is
    max(1e-4, 8 * this); a gradient that is mathematically zero is pure rounding (noise ~1)."""
    ref, got = dict(out64), dict(out32)
    names = sorted(got)
    return names, np.array([relative_error(got[n], ref[n]) for n in names], np.float32)


def noise_over_threads(variant: str, out32=None, threads=(1, 2), ref=None):
    """`noise` at the worst of several thread counts: PyTorch's float32 step takes other kernels
    (and summation orders) with more threads. Returns (names, noise); out32, when given, is the
    one-thread step already computed; ref the float64 step."""
    saved = torch.get_num_threads()
    worst = None
    try:
        for n in threads:
            torch.set_num_threads(n)
            if ref is None:
                ref = train_step(variant, torch.float64)
            step = out32 if (out32 is not None and n == threads[0]) else train_step(variant)
            names, value = noise(step, ref)
            worst = value if worst is None else np.maximum(worst, value)
    finally:
        torch.set_num_threads(saved)
    return names, worst


PERTURBATION, PERTURBATION_SEEDS = 1e-7, (1, 2, 3)


def perturbation_noise(variant: str, ref=None, perturbation=PERTURBATION, seeds=PERTURBATION_SEEDS):
    """How far the float64 step moves when every weight and input value moves by about one
    float32 rounding (relative `perturbation`, a few seeds): (names, worst relative change).
    Some gradients sit next to kinks (ReLU at zero, max-pool ties, BatchNorm over few values):
    there a change of 1e-7 moves HARD-S's grad.encoder.8.project.conv.weight by 0.4-1%, so any
    float32 implementation, hard's or PyTorch's on another thread count or build, may land that
    far away. Measured, not assumed: it is what the tolerance must cover."""
    if ref is None:
        ref = train_step(variant, torch.float64)
    worst = None
    for seed in seeds:
        names, value = noise(train_step(variant, torch.float64, perturbation, seed), ref)
        worst = value if worst is None else np.maximum(worst, value)
    return names, worst


def step_noise(variant: str, out32=None):
    """The noise the parity tolerance is made from: the larger of PyTorch float32's own error
    on one and two threads (`noise_over_threads`) and the float64 step's sensitivity to
    rounding-sized changes (`perturbation_noise`). On HARD-S the thread counts alone gave 5e-3
    on two threads in one PyTorch build and 4e-6 in the next, for a gradient that hard's step
    has 5e-3 from float64: thread counts sample the sensitivity by luck; the perturbation
    measures it."""
    ref = train_step(variant, torch.float64)
    names, threads = noise_over_threads(variant, out32, ref=ref)
    names2, perturbed = perturbation_noise(variant, ref)
    assert names == names2
    return names, np.maximum(threads, perturbed)


def tolerance(noise_value: float) -> float:
    return max(1e-4, 8.0 * float(noise_value))


def compare(other: dict, reference: dict, noise_of: dict, variant: str):
    """Checks one side's training step (other) against the other's (reference), with the rule of
    Tests/HardModelsTests/TorchParityTests.swift. Returns (failures, stats)."""
    noise_of = dict(noise_of)
    for name in list(noise_of):
        if name.startswith("grad."):
            key = name[len("grad."):]
            n = max(noise_of[name], noise_of.get("gradnorm." + key, 0.0))
            noise_of[name] = noise_of["gradnorm." + key] = n
    shapes = {k: tuple(t.shape) for k, t in build_model(variant, parity.CLASSES).state_dict().items()}
    failures, stats = [], {"strict": 0, "updates": 0, "flips": 0, "worst_ratio": 0.0, "worst": "", "loss": 0.0}
    for name in sorted(reference):
        t, e = np.asarray(other[name], np.float64), np.asarray(reference[name], np.float64)
        key = name[len("after."):]
        if name.startswith("after.") and "grad." + key in reference:
            # AdamW's first step moves a weight by about lr sign(g): see the Swift test.
            before = parity.values(key, shapes[key]).reshape(-1)[: t.size].astype(np.float64)
            g_ref, g_other = np.asarray(reference["grad." + key], np.float64), np.asarray(other["grad." + key], np.float64)
            g_tol = tolerance(noise_of["grad." + key]) * np.linalg.norm(g_ref)
            for j in range(t.size):
                dm, de = t[j] - before[j], e[j] - before[j]
                gm, ge = g_other[j], g_ref[j]
                stats["updates"] += 1
                if (gm > 0) == (ge > 0):
                    g = min(abs(gm), abs(ge))
                    allowed = 1e-4 * abs(de) + 1e-6 * abs(e[j]) + LR * 1e-8 * abs(gm - ge) / (g + 1e-8) ** 2
                    if abs(dm - de) > allowed:
                        failures.append(f"update of {key}[{j}]: {dm} vs {de} (allowed {allowed:.3g})")
                else:
                    stats["flips"] += 1
                    if abs(ge) > g_tol:
                        failures.append(f"{key}[{j}]: update sign differs on a clear gradient {gm} vs {ge}")
            continue
        err, tol = relative_error(t, e), tolerance(noise_of[name])
        if name == "loss":
            stats["loss"] = err
        stats["strict"] += tol == 1e-4
        if err / tol > stats["worst_ratio"]:
            stats["worst_ratio"], stats["worst"] = err / tol, name
        if err > tol:
            failures.append(f"{name}: relative error {err:.3g} > {tol:.3g}")
    return failures, stats
