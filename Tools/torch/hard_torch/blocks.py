"""HARD's blocks in PyTorch, module for module as Sources/HardModels/Blocks/*.swift and
Sources/HardNN/Layers.swift. Attribute names (and their order) are hard's property names, so
`state_dict()` keys are hard's parameter names (`decoder.blocks.0.atrous.1.bn.runningVar`)."""

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F


class BatchNorm2d(nn.Module):
    """hard's BatchNorm2d (PyTorch's semantics: momentum 0.1, eps 1e-5, biased batch variance for
    normalising, unbiased for the running variance) under hard's names: weight, bias,
    runningMean, runningVar, and no num_batches_tracked."""

    def __init__(self, channels: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("runningMean", torch.zeros(channels))
        self.register_buffer("runningVar", torch.ones(channels))
        self.momentum = momentum
        self.eps = eps

        # Synchronised BatchNorm (distributed training): statistics over every rank's batch.
        # Off by default; `enable_sync_batch_norm(model)` turns it on.
        self.sync = False
        self.process_group = None

    def forward(self, x):  # x: (N, C, H, W)
        if self.training and self.sync and dist.is_available() and dist.is_initialized() \
                and dist.get_world_size(self.process_group) > 1:
            return _SyncBatchNorm.apply(x, self.weight, self.bias, self.runningMean, self.runningVar,
                                        self.momentum, self.eps, self.process_group)
        return F.batch_norm(x, self.runningMean, self.runningVar, self.weight, self.bias,
                            self.training, self.momentum, self.eps)


def enable_sync_batch_norm(model: nn.Module, enabled: bool = True, process_group=None) -> int:
    """Makes every hard BatchNorm2d in `model` normalise with the statistics of the whole
    distributed batch (all ranks of `process_group`, default: the world) in training, as
    mmseg's SyncBN. Returns how many layers it switched. Without an initialised process group,
    or with one rank, the layers behave as plain BatchNorm."""
    n = 0
    for m in model.modules():
        if isinstance(m, BatchNorm2d):
            m.sync, m.process_group = enabled, process_group
            n += 1
    return n


class _SyncBatchNorm(torch.autograd.Function):
    """Training-mode BatchNorm over the batch of every rank.

    Forward: each rank's per-channel (count, mean, sum of squared deviations), all-gathered and
    combined in float64 (Chan et al.'s pairwise formula: no cancellation, unlike sum and sum of
    squares), so every rank normalises with the same mean and biased variance; the running
    statistics take the unbiased variance of the whole batch. Backward: the per-channel sums of
    dy and dy * x_hat are all-reduced, and

        dx = gamma * invstd * (dy - sum(dy) / N - x_hat * sum(dy * x_hat) / N)

    with the sums and N over all ranks; d gamma and d beta are this rank's own sums (DDP then
    averages parameter gradients across ranks like any other)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, group):
        in_dtype = x.dtype
        dtype = torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype
        x = x.to(dtype)
        c = x.shape[1]
        n_local = x.numel() // c
        var_l, mean_l = torch.var_mean(x, dim=(0, 2, 3), correction=0)
        stats = torch.cat([torch.full((1,), float(n_local), dtype=torch.float64, device=x.device),
                           mean_l.double(), var_l.double() * n_local])
        world = dist.get_world_size(group)
        gathered = [torch.empty_like(stats) for _ in range(world)]
        dist.all_gather(gathered, stats, group=group)
        g = torch.stack(gathered)                                 # (world, 1 + 2C)
        counts, means, m2 = g[:, :1], g[:, 1:1 + c], g[:, 1 + c:]
        total = counts.sum()
        mean = (counts * means).sum(0) / total
        m2_all = m2.sum(0) + (counts * (means - mean) ** 2).sum(0)
        var = m2_all / total
        invstd = torch.rsqrt(var + eps)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_((momentum * mean).to(running_mean.dtype))
            unbiased = m2_all / max(float(total) - 1, 1.0)
            running_var.mul_(1 - momentum).add_((momentum * unbiased).to(running_var.dtype))
        mean_c, invstd_c = mean.to(dtype), invstd.to(dtype)
        xhat = (x - mean_c[None, :, None, None]) * invstd_c[None, :, None, None]
        y = xhat * weight.to(dtype)[None, :, None, None] + bias.to(dtype)[None, :, None, None]
        ctx.save_for_backward(xhat, weight, invstd_c)
        ctx.total, ctx.group, ctx.in_dtype = float(total), group, in_dtype
        return y

    @staticmethod
    def backward(ctx, dy):
        xhat, weight, invstd = ctx.saved_tensors
        dy = dy.to(xhat.dtype)
        c = xhat.shape[1]
        sum_dy = dy.sum(dim=(0, 2, 3))
        sum_dy_xhat = (dy * xhat).sum(dim=(0, 2, 3))
        both = torch.cat([sum_dy, sum_dy_xhat])
        dist.all_reduce(both, group=ctx.group)
        mean_dy, mean_dy_xhat = both[:c] / ctx.total, both[c:] / ctx.total
        dx = (weight.to(xhat.dtype) * invstd)[None, :, None, None] * (
            dy - mean_dy[None, :, None, None] - xhat * mean_dy_xhat[None, :, None, None])
        return (dx.to(ctx.in_dtype), sum_dy_xhat.to(weight.dtype), sum_dy.to(weight.dtype),
                None, None, None, None, None)


def conv2d(cin, cout, kernel, stride=1, dilation=1, groups=1, bias=True):
    """hard's Conv2d: default padding dilation * (k - 1) / 2 ("same" at stride 1)."""
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=dilation * (kernel - 1) // 2,
                     dilation=dilation, groups=groups, bias=bias)


def resized(x, h, w):
    """Bilinear to (h, w) unless x already has that size (half-pixel, align_corners=False)."""
    if x.shape[2] == h and x.shape[3] == w:
        return x
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)


class ConvBNAct(nn.Module):
    """Convolution (no bias) -> BatchNorm -> ReLU6 / ReLU / none; without BN the conv has a bias."""

    def __init__(self, cin, cout, kernel=1, stride=1, dilation=1, groups=1, activation="relu6", batch_norm=True):
        super().__init__()
        self.conv = conv2d(cin, cout, kernel, stride, dilation, groups, bias=not batch_norm)
        self.bn = BatchNorm2d(cout) if batch_norm else None
        self.activation = activation

    def forward(self, x):  # (N, Cin, H, W) -> (N, Cout, H', W')
        y = self.conv(x)
        if self.bn is not None:
            y = self.bn(y)
        if self.activation == "relu6":
            return F.relu6(y)
        if self.activation == "relu":
            return F.relu(y)
        return y


class Sequential(nn.Module):
    """hard's Sequential: children under `layers` (keys `layers.0...`)."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        for m in self.layers:
            x = m(x)
        return x


class InvertedBottleneck(nn.Module):
    """MobileNetV2's inverted residual: 1x1 expand (absent at t = 1) -> depth-wise 3x3 (stride s)
    -> 1x1 linear projection, residual when s = 1 and Cin = Cout."""

    def __init__(self, cin, cout, stride=1, expansion=1):
        super().__init__()
        hidden = cin * expansion
        self.expand = None if expansion == 1 else ConvBNAct(cin, hidden, 1)
        self.depthwise = ConvBNAct(hidden, hidden, 3, stride=stride, groups=hidden)
        self.project = ConvBNAct(hidden, cout, 1, activation="none")
        self.use_residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.expand(x) if self.expand is not None else x
        y = self.project(self.depthwise(y))
        return x + y if self.use_residual else y


class AtrousInvertedBottleneck(nn.Module):
    """AIVB: 1x1 expand -> three depth-wise 3x3 atrous convs in series -> 1x1 project, residual."""

    def __init__(self, channels, expansion, dilations):
        super().__init__()
        assert len(dilations) == 3, f"AIVB takes three dilation rates, got {dilations}"
        hidden = channels * expansion
        self.expand = ConvBNAct(channels, hidden, 1)
        self.atrous = nn.ModuleList([ConvBNAct(hidden, hidden, 3, dilation=d, groups=hidden) for d in dilations])
        self.project = ConvBNAct(hidden, channels, 1, activation="none")

    def forward(self, x):  # (N, C, H, W) -> (N, C, H, W)
        y = self.expand(x)
        for m in self.atrous:
            y = m(y)
        return x + self.project(y)


DEFAULT_DILATIONS = [[8, 6, 4], [6, 4, 2], [4, 2, 1]]


class SerializedAtrous(nn.Module):
    """SA: three AIVBs in series with decreasing dilation rates."""

    def __init__(self, channels, expansion, dilations=DEFAULT_DILATIONS):
        super().__init__()
        self.blocks = nn.ModuleList([AtrousInvertedBottleneck(channels, expansion, d) for d in dilations])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


class ContextExpansion(nn.Module):
    """Two 3x3 convs, dilation 2, stride 2: Cin -> Cout/2 -> Cout, H -> ~H/4."""

    def __init__(self, cin, cout):
        super().__init__()
        self.first = ConvBNAct(cin, cout // 2, 3, stride=2, dilation=2)
        self.second = ConvBNAct(cout // 2, cout, 3, stride=2, dilation=2)

    def forward(self, x):
        return self.second(self.first(x))


class AtrousFilter(nn.Module):
    """Eq. 1: depth-wise 3x3 dilation 6 and 8 in parallel, concat, 1x1, ContextExpansion."""

    def __init__(self, cin, mid, cout):
        super().__init__()
        self.dilated6 = ConvBNAct(cin, cin, 3, dilation=6, groups=cin)
        self.dilated8 = ConvBNAct(cin, cin, 3, dilation=8, groups=cin)
        self.compress = ConvBNAct(2 * cin, mid, 1)
        self.expansion = ContextExpansion(mid, cout)

    def forward(self, x):  # (N, Cin, H, W) -> (N, Cout, H/4, W/4)
        return self.expansion(self.compress(torch.cat([self.dilated6(x), self.dilated8(x)], 1)))


class PoolingFilter(nn.Module):
    """Eqs. 2-4: 1x1 conv (bias, no BN) of [global avg, global max]; with avg and max pooling
    (kernel 9, stride 4, padding 4; avg counts padded taps, floor mode) resized back; 1x1; expansion."""

    LOCAL_KERNEL, LOCAL_STRIDE, LOCAL_PADDING = 9, 4, 4

    def __init__(self, cin, mid, cout):
        super().__init__()
        self.pool1 = ConvBNAct(2 * cin, mid, 1, batch_norm=False)
        self.fuse = ConvBNAct(mid + 2 * cin, mid, 1)
        self.expansion = ContextExpansion(mid, cout)

    def forward(self, x):  # (N, Cin, H, W) -> (N, Cout, H/4, W/4)
        h, w = x.shape[2], x.shape[3]
        # Global pooling as a window over the whole map, as hard does (max: one arg-max tap).
        g = self.pool1(torch.cat([F.avg_pool2d(x, (h, w), 1), F.max_pool2d(x, (h, w), 1)], 1))  # (N, mid, 1, 1)
        k, s, p = self.LOCAL_KERNEL, self.LOCAL_STRIDE, self.LOCAL_PADDING
        local = [F.avg_pool2d(x, k, s, p, ceil_mode=False, count_include_pad=True),
                 F.max_pool2d(x, k, s, p, ceil_mode=False)]
        pool2 = torch.cat([resized(g, h, w)] + [resized(t, h, w) for t in local], 1)  # (N, mid + 2Cin, H, W)
        return self.expansion(self.fuse(pool2))


class DualAtrousPooling(nn.Module):
    """DAP: the atrous and pooling filters on the 1/8 map; forward returns (atrous, pooling)."""

    def __init__(self, cin, mid, cout):
        super().__init__()
        self.atrous = AtrousFilter(cin, mid, cout)
        self.pooling = PoolingFilter(cin, mid, cout)

    def forward(self, x):
        return self.atrous(x), self.pooling(x)


class SegmentationHead(nn.Module):
    """3x3 convolution (with bias) to the classes."""

    def __init__(self, cin, classes):
        super().__init__()
        self.classifier = conv2d(cin, classes, 3)

    def forward(self, x):
        return self.classifier(x)


class AuxiliaryHead(nn.Module):
    """Training only: 3x3 ConvBNAct -> 1x1 convolution (with bias) to the classes."""

    def __init__(self, cin, mid, classes):
        super().__init__()
        self.conv = ConvBNAct(cin, mid, 3)
        self.classifier = conv2d(mid, classes, 1)

    def forward(self, x):
        return self.classifier(self.conv(x))
