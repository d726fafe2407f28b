"""hard checkpoints (Sources/HardModels/Checkpoint.swift): `<name>.safetensors` with every
parameter and buffer under hard's keys and `__metadata__` {format, version, variant, classes
[, task] [, architecture]}, and beside it `<name>.json` with the same facts. `task` is written
only for an encoder pretrained for classification (`"task": "classification"`); absent means
segmentation. `architecture` (an object in the JSON, compact sorted JSON text in the metadata)
records a resized single-branch variant, e.g. hard-edge-rt or a `hard mcu fit` candidate."""

import json
import os

import torch

from . import safetensors_io
from .variants import build_model, lite_config_from_architecture, parse_variant

FORMAT, VERSION = "hard-checkpoint", 1
TASKS = ("segmentation", "classification")
CLASS_RANGES = {"segmentation": (1, 255), "classification": (1, 100_000)}


def info_path(path: str) -> str:
    base = path[: -len(".safetensors")] if path.endswith(".safetensors") else path
    return base + ".json"


def read_checkpoint_info(path: str, metadata=None) -> tuple:
    """(variant, classes, task) from the JSON beside the checkpoint, else from its metadata."""
    jp = info_path(path)
    if os.path.exists(jp):
        with open(jp, encoding="utf-8") as f:
            info = json.load(f)
        if info.get("format") != FORMAT or info.get("version") != VERSION:
            raise ValueError(f"{jp}: not a version-1 hard checkpoint description")
        variant, classes, task = info["variant"], info["classes"], info.get("task") or "segmentation"
    else:
        if metadata is None:
            _, metadata = safetensors_io.load(path)
        if "variant" not in metadata or "classes" not in metadata:
            raise ValueError(f"{path}: no {jp} and no variant/classes in the safetensors metadata")
        variant, classes, task = metadata["variant"], int(metadata["classes"]), metadata.get("task", "segmentation")
    if task not in TASKS:
        raise ValueError(f"{path}: 'task' is '{task}', not one of {', '.join(TASKS)}")
    low, high = CLASS_RANGES[task]
    if not isinstance(classes, int) or isinstance(classes, bool) or not low <= classes <= high:
        raise ValueError(f"{path}: 'classes' is {classes}, outside {low}...{high}")
    return parse_variant(variant), classes, task


def read_info(path: str, metadata=None) -> tuple:
    """(variant, classes) from the JSON beside the checkpoint, else from its metadata."""
    variant, classes, _ = read_checkpoint_info(path, metadata)
    return variant, classes


def read_architecture(path: str, metadata=None):
    """The checkpoint's `architecture` (a dict), or None for a variant as published; from the
    JSON beside it, else from the metadata. A damaged one raises ValueError naming the file."""
    jp = info_path(path)
    try:
        if os.path.exists(jp):
            with open(jp, encoding="utf-8") as f:
                a = json.load(f).get("architecture")
        else:
            if metadata is None:
                _, metadata = safetensors_io.load(path)
            text = metadata.get("architecture")
            a = None if text is None else json.loads(text)
        if a is not None:
            lite_config_from_architecture(a)
    except (ValueError, json.JSONDecodeError) as e:
        raise ValueError(f"{jp if os.path.exists(jp) else path}: {e}") from None
    return a


def build(variant: str, classes: int, task: str = "segmentation", architecture: dict = None) -> torch.nn.Module:
    if task == "classification":
        if architecture is not None:
            raise ValueError("'architecture' is for segmentation models")
        from .classifier import build_classifier
        return build_classifier(variant, classes)
    return build_model(variant, classes, architecture)


def load_checkpoint(path: str) -> torch.nn.Module:
    """Builds the model the checkpoint names (a segmentation variant, resized when it records
    an architecture, or for a classification checkpoint the variant's encoder with its head)
    and loads every tensor (strict)."""
    tensors, metadata = safetensors_io.load(path)
    variant, classes, task = read_checkpoint_info(path, metadata)
    model = build(variant, classes, task, read_architecture(path, metadata))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    return model


def save_checkpoint(model: torch.nn.Module, path: str, variant: str, classes: int, task: str = None) -> None:
    """Writes a checkpoint hard loads (`hard eval --checkpoint path`): tensors in state_dict order.
    `task` defaults to the model's (`model.task`); only classification is recorded."""
    variant = parse_variant(variant)
    task = task or getattr(model, "task", "segmentation")
    if task not in TASKS:
        raise ValueError(f"task '{task}' is not one of {', '.join(TASKS)}")
    tensors = [(k, v.detach().cpu().float().contiguous().numpy()) for k, v in model.state_dict().items()]
    meta = {"format": FORMAT, "version": str(VERSION), "variant": variant, "classes": str(classes)}
    info = {"classes": classes, "format": FORMAT, "variant": variant, "version": VERSION}
    if task != "segmentation":
        meta["task"] = info["task"] = task
    architecture = getattr(model, "architecture", None)
    if architecture is not None:
        info["architecture"] = architecture
        meta["architecture"] = json.dumps(architecture, sort_keys=True, separators=(",", ":"))
    safetensors_io.save(path, tensors, meta)
    safetensors_io.write_atomically((json.dumps(info, indent=2, sort_keys=True) + "\n").encode("utf-8"), info_path(path))
