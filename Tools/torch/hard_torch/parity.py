"""The parity scheme shared with hard (Tests/HardModelsTests/TorchParity.swift, docs/torch.md).

Every parameter, buffer, input and label is a function of its key and flat index only, through
32-bit integer arithmetic that Swift and numpy compute exactly, so fixtures hold only outputs.
"""

import math

import numpy as np
import torch

_U32 = np.uint32


def key_hash(key: str) -> int:
    """FNV-1a over the key's UTF-8 bytes."""
    h = 2166136261
    for b in key.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def mix(key_h: int, index: np.ndarray) -> np.ndarray:
    """The low-bias 32-bit mixer of (key hash, index); index: uint32 array."""
    with np.errstate(over="ignore"):
        x = _U32(key_h) ^ (index.astype(_U32) * _U32(0x9E3779B1))
        x ^= x >> _U32(16)
        x *= _U32(0x7FEB352D)
        x ^= x >> _U32(15)
        x *= _U32(0x846CA68B)
        x ^= x >> _U32(16)
    return x


def uniform(key: str, count: int) -> np.ndarray:
    """count float32 values in [-1, 1) on a 2^-23 grid."""
    x = mix(key_hash(key), np.arange(count, dtype=np.uint64))
    return (x >> _U32(8)).astype(np.float32) / np.float32(8388608) - np.float32(1)


def affine(key: str, shape) -> tuple:
    """(scale, offset) of a tensor: value = offset + scale * u (as float32)."""
    if key.endswith("runningVar"):
        return 0.5, 1.0
    if key.endswith("runningMean"):
        return 0.1, 0.0
    if len(shape) == 4:
        fan_in = int(np.prod(shape[1:]))
        return math.sqrt(3.0 / fan_in), 0.0
    if key.endswith("bn.weight"):
        return 0.25, 1.0
    return 0.1, 0.0


def values(key: str, shape) -> np.ndarray:
    scale, offset = affine(key, shape)
    u = uniform(key, int(np.prod(shape)) if len(shape) else 1)
    return (np.float32(offset) + np.float32(scale) * u).astype(np.float32).reshape(shape)


def fill(model: torch.nn.Module) -> None:
    """Overwrites every parameter and buffer with the parity formula."""
    with torch.no_grad():
        for key, t in model.state_dict().items():
            t.copy_(torch.from_numpy(values(key, tuple(t.shape))))


def input_batch(batch: int, height: int, width: int) -> torch.Tensor:
    """(N, 3, H, W): 2 u."""
    n = batch * 3 * height * width
    return torch.from_numpy(np.float32(2) * uniform("input", n)).reshape(batch, 3, height, width)


def labels(batch: int, height: int, width: int, classes: int) -> torch.Tensor:
    """(N, H, W) int64: hash mod classes, one pixel in eight the ignore index 255."""
    x = mix(key_hash("labels"), np.arange(batch * height * width, dtype=np.uint64))
    y = ((x >> _U32(3)) % _U32(classes)).astype(np.int64)
    y[x % _U32(8) == 0] = 255
    return torch.from_numpy(y).reshape(batch, height, width)


# The settings every eval fixture uses: the five variants at 64x64, 4 classes.
HEIGHT, WIDTH, CLASSES = 64, 64, 4
