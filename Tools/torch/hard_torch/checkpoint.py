"""hard checkpoints (Sources/HardModels/Checkpoint.swift): `<name>.safetensors` with every
parameter and buffer under hard's keys and `__metadata__` {format, version, variant, classes},
and beside it `<name>.json` with the same four facts."""

import json
import os

import torch

from . import safetensors_io
from .variants import build_model, parse_variant

FORMAT, VERSION = "hard-checkpoint", 1


def info_path(path: str) -> str:
    base = path[: -len(".safetensors")] if path.endswith(".safetensors") else path
    return base + ".json"


def read_info(path: str, metadata=None) -> tuple:
    """(variant, classes) from the JSON beside the checkpoint, else from its metadata."""
    jp = info_path(path)
    if os.path.exists(jp):
        with open(jp, encoding="utf-8") as f:
            info = json.load(f)
        if info.get("format") != FORMAT or info.get("version") != VERSION:
            raise ValueError(f"{jp}: not a version-1 hard checkpoint description")
        variant, classes = info["variant"], info["classes"]
    else:
        if metadata is None:
            _, metadata = safetensors_io.load(path)
        if "variant" not in metadata or "classes" not in metadata:
            raise ValueError(f"{path}: no {jp} and no variant/classes in the safetensors metadata")
        variant, classes = metadata["variant"], int(metadata["classes"])
    if not isinstance(classes, int) or not 1 <= classes <= 255:
        raise ValueError(f"{path}: 'classes' is {classes}, outside 1...255")
    return parse_variant(variant), classes


def load_checkpoint(path: str) -> torch.nn.Module:
    """Builds the variant the checkpoint names and loads every tensor (strict)."""
    tensors, metadata = safetensors_io.load(path)
    variant, classes = read_info(path, metadata)
    model = build_model(variant, classes)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return model


def save_checkpoint(model: torch.nn.Module, path: str, variant: str, classes: int) -> None:
    """Writes a checkpoint hard loads (`hard eval --checkpoint path`): tensors in state_dict order."""
    variant = parse_variant(variant)
    tensors = [(k, v.detach().cpu().float().contiguous().numpy()) for k, v in model.state_dict().items()]
    meta = {"format": FORMAT, "version": str(VERSION), "variant": variant, "classes": str(classes)}
    safetensors_io.save(path, tensors, meta)
    info = {"classes": classes, "format": FORMAT, "variant": variant, "version": VERSION}
    safetensors_io.write_atomically((json.dumps(info, indent=2, sort_keys=True) + "\n").encode("utf-8"), info_path(path))
