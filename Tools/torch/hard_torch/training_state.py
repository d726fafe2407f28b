"""hard's resumable training state (Sources/HardTrain/TrainingState.swift), one safetensors file
written atomically (`checkpoint.safetensors`): the model's parameters and buffers (`model.<key>`,
state_dict order), AdamW's moments (`adam.m.<key>`, `adam.v.<key>`, parameter order), and in the
metadata format "hard-training-state", version 1, iteration, adam_step, best_miou, variant,
classes and the configuration as JSON. `hard train --resume` continues a state this module
wrote, and `python -m hard_torch.train --resume` one that hard wrote."""

import math

import numpy as np
import torch

from . import safetensors_io
from .config import from_json

FORMAT = "hard-training-state"


class StateError(ValueError):
    pass


def save(path, model, optimizer, iteration, best, config, variant, classes):
    tensors = [("model." + k, v.detach().cpu().float().contiguous().numpy()) for k, v in model.state_dict().items()]
    keys = [k for k, _ in model.named_parameters()]
    assert len(keys) == len(optimizer.params), "optimizer does not hold the model's parameters"
    for key, m, v in zip(keys, optimizer.m, optimizer.v):
        tensors.append(("adam.m." + key, m.detach().cpu().float().contiguous().numpy()))
        tensors.append(("adam.v." + key, v.detach().cpu().float().contiguous().numpy()))
    metadata = {"format": FORMAT, "version": "1", "iteration": str(iteration), "adam_step": str(optimizer.step_count),
                "best_miou": repr(float(best)), "variant": variant, "classes": str(classes), "config": config.to_json()}
    safetensors_io.save(path, tensors, metadata)


def _int(metadata, key):
    try:
        return int(metadata[key])
    except (KeyError, ValueError):
        return None


def load(path, model, optimizer, variant, classes):
    """Restores model and optimizer in place; returns (iteration, best, saved config)."""
    try:
        tensors, metadata = safetensors_io.load(path)
    except FileNotFoundError:
        raise StateError(f"{path}: no training state to resume from") from None
    except (OSError, ValueError) as e:
        raise StateError(f"{path}: not a valid training state: {e}") from None
    iteration, step = _int(metadata, "iteration"), _int(metadata, "adam_step")
    try:
        best = float(metadata["best_miou"])
        config = from_json(metadata["config"])
    except Exception:
        best, config = None, None
    if metadata.get("format") != FORMAT or iteration is None or step is None or best is None or config is None:
        raise StateError(f"{path}: metadata is missing or damaged")
    if not 0 <= iteration <= config.iterations:
        raise StateError(f"{path}: iteration {iteration} is outside the run's 0...{config.iterations}")
    if not 0 <= step <= iteration:
        raise StateError(f"{path}: AdamW step {step} is impossible at iteration {iteration}")
    if not (math.isfinite(best) and -1 <= best <= 1):
        raise StateError(f"{path}: best_miou {best} is not a mIoU (a fraction in 0...1, or -1 before the first validation)")
    for k, t in tensors.items():
        if not np.isfinite(t).all():
            raise StateError(f"{path}: tensor {k} holds NaN or infinite values")
    if metadata.get("variant") != variant or metadata.get("classes") != str(classes):
        raise StateError(f"{path}: was written for {metadata.get('variant', '?')} with {metadata.get('classes', '?')} classes")
    state = {k[len("model."):]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise StateError(f"{path}: does not fit the model: {e}") from None
    with torch.no_grad():
        for (key, p), m, v in zip(model.named_parameters(), optimizer.m, optimizer.v):
            tm, tv = tensors.get("adam.m." + key), tensors.get("adam.v." + key)
            if tm is None or tv is None or tuple(tm.shape) != tuple(m.shape) or tuple(tv.shape) != tuple(v.shape):
                raise StateError(f"{path}: optimizer state for {key} is missing or has the wrong shape")
            m.copy_(torch.from_numpy(tm))
            v.copy_(torch.from_numpy(tv))
    optimizer.step_count = step
    return iteration, best, config
