"""hard's optimiser and schedule (Sources/HardNN/Optimizers.swift).

`AdamW` is hard's: decoupled weight decay on every parameter (convolution weights and biases and
BatchNorm's gamma and beta alike), one step count for all parameters, and the update

    p *= 1 - lr * wd;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

with the scalars computed in float32 as hard computes them. Parameters without a gradient are
left alone (the step still counts). It is a `torch.optim.Optimizer`, so `GradScaler` can unscale
and skip its steps. `WarmupCosineSchedule` is the paper's schedule, in float32."""

import numpy as np
import torch

F32 = np.float32
# Swift's Float.pi is pi rounded toward zero (3.1415925), not to nearest (np.float32(np.pi) = 3.1415927).
PI = np.nextafter(F32(np.pi), F32(0))


class AdamW(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
        self.step_count = 0
        self.params = [p for g in self.param_groups for p in g["params"]]
        self.m = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.v = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]

    @torch.no_grad()
    def step(self, closure=None):
        assert closure is None, "hard's AdamW takes no closure"
        self.step_count += 1
        g0 = self.param_groups[0]
        b1, b2 = F32(g0["betas"][0]), F32(g0["betas"][1])
        lr, eps, wd = F32(g0["lr"]), F32(g0["eps"]), F32(g0["weight_decay"])
        t = F32(self.step_count)
        c1 = F32(1) - np.power(b1, t, dtype=F32)
        c2 = F32(1) - np.power(b2, t, dtype=F32)
        decay = F32(1) - lr * wd
        ps, gs, ms, vs = [], [], [], []
        for p, m, v in zip(self.params, self.m, self.v):
            if p.grad is None:
                continue
            ps.append(p)
            gs.append(p.grad)
            ms.append(m)
            vs.append(v)
        if not ps:
            return None
        torch._foreach_mul_(ps, float(decay))
        torch._foreach_mul_(ms, float(b1))
        torch._foreach_add_(ms, gs, alpha=float(F32(1) - b1))
        torch._foreach_mul_(vs, float(b2))
        torch._foreach_addcmul_(vs, gs, gs, value=float(F32(1) - b2))
        num = torch._foreach_div(ms, float(c1))
        torch._foreach_mul_(num, float(lr))
        den = torch._foreach_div(vs, float(c2))
        torch._foreach_sqrt_(den)
        torch._foreach_add_(den, float(eps))
        torch._foreach_div_(num, den)
        torch._foreach_sub_(ps, num)
        return None

    def set_lr(self, lr):
        for g in self.param_groups:
            g["lr"] = lr


class WarmupCosineSchedule:
    """Linear warm-up from `start` to `peak` over `warmup` iterations, then cosine to `end` at `total`."""

    def __init__(self, start, peak, end, warmup, total):
        assert total > 0 and 0 <= warmup <= total, f"schedule: warm-up {warmup} of {total} iterations"
        self.start, self.peak, self.end = F32(start), F32(peak), F32(end)
        self.warmup, self.total = warmup, total

    def __call__(self, i: int) -> float:
        """The learning rate at iteration i (0-based), as float32's value."""
        if i < self.warmup:
            return float(self.start + (self.peak - self.start) * F32(i) / F32(max(self.warmup, 1)))
        span = max(self.total - self.warmup, 1)
        t = min(F32(i - self.warmup) / F32(span), F32(1))
        return float(self.end + (self.peak - self.end) * F32(0.5) * (F32(1) + np.cos(PI * t, dtype=F32)))
