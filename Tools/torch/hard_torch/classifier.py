"""Encoder pretraining (Sources/HardModels/Variants/HARDClassifier.swift): a variant's encoder, global
average pooling and a 1x1 classifier with bias. The encoder's keys are the segmentation model's
(`stem.*` and `encoder.<i>.*` for S/XS/XXS/Edge, `stem.*` and `stages.<i>.*` for HARD-GPU), so
`--init-from` a classification checkpoint loads the encoder of a segmentation run."""

import torch
import torch.nn as nn

from .variants import GPU, LITE, build_model, parse_variant

CLASS_RANGE = (1, 100_000)       # Zoo.classificationClassRange: ImageNet-1k and -21k fit


class HARDClassifier(nn.Module):
    """x (N, 3, H, W) -> stem -> encoder blocks or stages -> global average pool -> classifier
    (1x1 conv) -> logits (N, classes). `outputs(x)` is [logits], in training and eval alike."""

    task = "classification"

    def __init__(self, variant: str, classes: int):
        super().__init__()
        v = parse_variant(variant)
        if not CLASS_RANGE[0] <= classes <= CLASS_RANGE[1]:
            raise ValueError(f"{classes} classes is outside {CLASS_RANGE[0]}...{CLASS_RANGE[1]}")
        self.variant, self.classes = v, classes
        seg = build_model(v, 1)
        self.stem = seg.stem
        if v == "hard-gpu":
            self.stages = seg.stages
            features = GPU.stages[-1].channels
        else:
            self.encoder = seg.encoder
            features = LITE[v].stages[-1].channels
        self.classifier = nn.Conv2d(features, classes, 1, bias=True)

    def features(self, x):
        f = self.stem(x)
        for b in (self.stages if self.variant == "hard-gpu" else self.encoder):
            f = b(f)
        return f                                               # (N, C, H/8, W/8); H/32 for GPU

    def outputs(self, x):
        f = self.features(x).mean(dim=(2, 3), keepdim=True)    # (N, C, 1, 1)
        return [torch.flatten(self.classifier(f), 1)]          # (N, classes)

    def forward(self, x):
        return self.outputs(x)[0]


def build_classifier(variant: str, classes: int) -> HARDClassifier:
    """A variant's encoder with a classification head, PyTorch's default initialisation."""
    return HARDClassifier(variant, classes)
