"""The five HARD variants, as Sources/HardModels/Variants/*.swift (widths from Zoo.swift)."""

from dataclasses import dataclass, field

import torch
import torch.nn as nn

from .blocks import (DEFAULT_DILATIONS, AuxiliaryHead, ConvBNAct, DualAtrousPooling, InvertedBottleneck,
                     SegmentationHead, Sequential, SerializedAtrous, resized)

VARIANTS = ("hard-gpu", "hard-s", "hard-xs", "hard-xxs", "hard-edge")


@dataclass(frozen=True)
class Stage:
    channels: int
    blocks: int
    stride: int
    expansion: int


@dataclass(frozen=True)
class GPUConfig:
    stem: int
    stages: tuple
    dap_mid: int
    sa_expansion: int
    sa_dilations: list = field(default_factory=lambda: DEFAULT_DILATIONS)
    aux_mid: int = 64


@dataclass(frozen=True)
class LiteConfig:
    stem: int
    stages: tuple
    sa_expansion: int
    sa_dilations: list = field(default_factory=lambda: DEFAULT_DILATIONS)


GPU = GPUConfig(stem=32, stages=(Stage(48, 2, 2, 4), Stage(96, 3, 2, 4), Stage(128, 4, 2, 4), Stage(192, 3, 2, 6)),
                dap_mid=64, sa_expansion=2, aux_mid=64)

EDGE_DILATIONS = [[5, 3, 2], [4, 2, 1], [3, 2, 1]]

LITE = {
    "hard-s": LiteConfig(32, (Stage(24, 1, 1, 1), Stage(24, 2, 2, 6), Stage(80, 6, 2, 6)), sa_expansion=6),
    "hard-xs": LiteConfig(24, (Stage(16, 1, 1, 1), Stage(48, 2, 2, 4), Stage(56, 6, 2, 6)), sa_expansion=4),
    "hard-xxs": LiteConfig(32, (Stage(24, 1, 1, 1), Stage(32, 3, 2, 4), Stage(40, 2, 2, 4)), sa_expansion=3),
    "hard-edge": LiteConfig(16, (Stage(16, 1, 2, 2), Stage(48, 2, 2, 3)), sa_expansion=4, sa_dilations=EDGE_DILATIONS),
}


class HARDNetwork(nn.Module):
    """What every variant offers: `outputs(x)` is hard's list ([main, aux...] in training,
    [main] in eval), each (N, classes, H, W); `forward` gives the main logits, and in training
    HARD-GPU's tuple (main, aux_pooling, aux_atrous), in hard's order."""

    task = "segmentation"

    def __init__(self, variant: str, classes: int):
        super().__init__()
        if not 1 <= classes <= 255:
            raise ValueError(f"{classes} classes is outside 1...255")
        self.variant = variant
        self.classes = classes

    def outputs(self, x):
        raise NotImplementedError

    def forward(self, x):
        out = self.outputs(x)
        return tuple(out) if len(out) > 1 else out[0]


class HARDGPU(HARDNetwork):
    """HARD-GPU (paper §3.3, Fig. 4): five encoder modules to 1/32, DAP on the 1/8 map, fusion,
    SA at 1/8, classifier, bilinear to the input; two auxiliary heads in training."""

    def __init__(self, classes: int, config: GPUConfig = GPU):
        super().__init__("hard-gpu", classes)
        c = config
        self.stem = ConvBNAct(3, c.stem, 3, stride=2)
        cin, stages = c.stem, []
        for s in c.stages:
            layers = [ConvBNAct(cin, s.channels, 3, stride=s.stride)]
            layers += [InvertedBottleneck(s.channels, s.channels, expansion=s.expansion) for _ in range(s.blocks)]
            stages.append(Sequential(layers))
            cin = s.channels
        self.stages = nn.ModuleList(stages)
        c8, cf = c.stages[1].channels, c.stages[3].channels
        self.dap = DualAtrousPooling(c8, c.dap_mid, cf)
        self.fuse = ConvBNAct(3 * cf, cf, 1)
        self.decoder = SerializedAtrous(cf, c.sa_expansion, c.sa_dilations)
        self.head = SegmentationHead(2 * cf, classes)
        self.auxAtrous = AuxiliaryHead(cf, c.aux_mid, classes)
        self.auxPooling = AuxiliaryHead(cf, c.aux_mid, classes)

    def outputs(self, x):  # x: (N, 3, H, W)
        h, w = x.shape[2], x.shape[3]
        e1 = self.stem(x)
        e2 = self.stages[0](e1)
        e3 = self.stages[1](e2)
        e4 = self.stages[2](e3)
        e5 = self.stages[3](e4)
        h8, w8 = e3.shape[2], e3.shape[3]
        h32, w32 = e5.shape[2], e5.shape[3]
        a, p = self.dap(e3)
        context = [resized(t, h32, w32) for t in (a, p)]                          # (N, Cf, H/32, W/32)
        fused = resized(self.fuse(torch.cat([e5] + context, 1)), h8, w8)          # (N, Cf, H/8, W/8)
        logits = self.head(torch.cat([self.decoder(fused), fused], 1))            # (N, classes, H/8, W/8)
        out = [resized(logits, h, w)]
        if self.training:
            out.append(resized(self.auxPooling(context[1]), h, w))
            out.append(resized(self.auxAtrous(context[0]), h, w))
        return out


class HARDLite(HARDNetwork):
    """HARD-S, XS, XXS (Fig. 5 top) and HARD-Edge (Fig. 5 bottom): an inverted-bottleneck encoder,
    SA, concat, 3x3 classifier, bilinear to the input."""

    def __init__(self, variant: str, classes: int, config: LiteConfig = None):
        super().__init__(variant, classes)
        c = config or LITE[variant]
        self.config = c
        self.architecture = None        # set by build_model for a resized model
        self.stem = ConvBNAct(3, c.stem, 3, stride=2)
        blocks, cin = [], c.stem
        for s in c.stages:
            for i in range(s.blocks):
                blocks.append(InvertedBottleneck(cin, s.channels, stride=s.stride if i == 0 else 1, expansion=s.expansion))
                cin = s.channels
        self.encoder = nn.ModuleList(blocks)
        self.decoder = SerializedAtrous(cin, c.sa_expansion, c.sa_dilations)
        self.head = SegmentationHead(2 * cin, classes)

    def outputs(self, x):
        h, w = x.shape[2], x.shape[3]
        f = self.stem(x)
        for b in self.encoder:
            f = b(f)                                                      # (N, C, H/8, W/8)
        logits = self.head(torch.cat([self.decoder(f), f], 1))            # (N, classes, H/8, W/8)
        return [resized(logits, h, w)]


def parse_variant(name: str) -> str:
    """Accepts "hard-xxs", "xxs", "HARD-XXS" as hard's Variant(name:) does."""
    n = name.lower()
    for v in (n, "hard-" + n):
        if v in VARIANTS:
            return v
    raise ValueError(f"unknown variant {name!r}; one of {', '.join(VARIANTS)}")


ARCHITECTURE_KEYS = ("stem", "stages", "sa_expansion", "sa_dilations")
STAGE_KEYS = ("channels", "blocks", "stride", "expansion")


def lite_config_from_architecture(a) -> LiteConfig:
    """A resized single-branch variant as hard records it (`architecture` in a checkpoint:
    LiteConfig's snake_case JSON). Raises ValueError naming what is wrong (hard's
    LiteConfig.problem checks the same ranges)."""
    def integer(v, what, low, high):
        if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
            raise ValueError(f"'architecture': {what} is {v!r}, not an integer in {low}...{high}")
        return v
    if not isinstance(a, dict):
        raise ValueError("'architecture' is not an object")
    unknown = sorted(set(a) - set(ARCHITECTURE_KEYS))
    missing = [k for k in ARCHITECTURE_KEYS if k not in a]
    if unknown or missing:
        raise ValueError(f"'architecture': unknown keys {unknown}, missing {missing}" if unknown
                         else f"'architecture': missing {missing}")
    stem = integer(a["stem"], "'stem'", 1, 1024)
    if not isinstance(a["stages"], list) or not 1 <= len(a["stages"]) <= 8:
        raise ValueError("'architecture': 'stages' is not a list of 1...8 stages")
    stages = []
    for i, st in enumerate(a["stages"]):
        if not isinstance(st, dict) or sorted(st) != sorted(STAGE_KEYS):
            raise ValueError(f"'architecture': stage {i} needs exactly {', '.join(STAGE_KEYS)}")
        stages.append(Stage(integer(st["channels"], f"stage {i} 'channels'", 1, 4096),
                            integer(st["blocks"], f"stage {i} 'blocks'", 1, 32),
                            integer(st["stride"], f"stage {i} 'stride'", 1, 2),
                            integer(st["expansion"], f"stage {i} 'expansion'", 1, 8)))
    expansion = integer(a["sa_expansion"], "'sa_expansion'", 1, 8)
    d = a["sa_dilations"]
    if not isinstance(d, list) or not 1 <= len(d) <= 6:
        raise ValueError("'architecture': 'sa_dilations' is not a list of 1...6 SA blocks")
    dilations = []
    for i, block in enumerate(d):
        if not isinstance(block, list) or len(block) != 3:
            raise ValueError(f"'architecture': SA block {i} has not 3 dilation rates")
        dilations.append([integer(r, f"SA block {i} dilation", 1, 64) for r in block])
    return LiteConfig(stem, tuple(stages), sa_expansion=expansion, sa_dilations=dilations)


def architecture_of(config: LiteConfig) -> dict:
    """`lite_config_from_architecture`'s inverse: the JSON object hard records."""
    return {"stem": config.stem,
            "stages": [{"channels": s.channels, "blocks": s.blocks, "stride": s.stride, "expansion": s.expansion}
                       for s in config.stages],
            "sa_expansion": config.sa_expansion, "sa_dilations": [list(b) for b in config.sa_dilations]}


def build_model(variant: str, classes: int, architecture: dict = None) -> HARDNetwork:
    """A HARD variant with PyTorch's default initialisation (load or fill weights before use).
    `architecture` (a checkpoint's record of a resized model, e.g. hard-edge-rt) resizes a
    single-branch variant; the model keeps it as `model.architecture`."""
    v = parse_variant(variant)
    if architecture is None:
        return HARDGPU(classes) if v == "hard-gpu" else HARDLite(v, classes)
    if v == "hard-gpu":
        raise ValueError("'architecture' resizes a single-branch variant; hard-gpu takes none")
    model = HARDLite(v, classes, lite_config_from_architecture(architecture))
    model.architecture = architecture_of(model.config)
    return model
