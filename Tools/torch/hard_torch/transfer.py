"""Fine-tuning and pretraining (Sources/HardModels/WeightTransfer.swift): a model starts from the
tensors of another checkpoint that fit it. Every tensor with the model's key and shape is
loaded; a classifier (`...classifier.weight/bias`) whose class count differs keeps its fresh
initialisation; any other key with another shape means another architecture and is refused,
naming the key; so is a checkpoint of which nothing fits. A training state
(`checkpoint.safetensors`) works too: its `model.*` tensors are the model."""

from dataclasses import dataclass, field

import torch

from . import safetensors_io


class TransferError(ValueError):
    pass


@dataclass
class TransferReport:
    loaded: list = field(default_factory=list)          # same key, same shape: copied
    reinitialised: list = field(default_factory=list)   # a classifier of another class count: fresh
    skipped: list = field(default_factory=list)         # in the checkpoint, not in the model
    fresh: list = field(default_factory=list)           # in the model, not in the checkpoint

    @property
    def lines(self):
        out = [f"loaded {len(self.loaded)} tensors, re-initialised {len(self.reinitialised)}, skipped "
               f"{len(self.skipped)}, kept fresh {len(self.fresh)} (not in the checkpoint)"]
        if self.reinitialised:
            out.append("re-initialised (class count differs): " + ", ".join(self.reinitialised))
        if self.skipped:
            out.append("skipped (not in this model): " + compact(self.skipped))
        if self.fresh:
            out.append("kept fresh: " + compact(self.fresh))
        return out


def compact(keys):
    """Keys grouped by their first component with counts: "decoder.* (24), head.* (2)"."""
    order, counts = [], {}
    for k in keys:
        top = k.split(".")[0]
        if top not in counts:
            order.append(top)
            counts[top] = 0
        counts[top] += 1
    return ", ".join(f"{t}.* ({counts[t]})" for t in order)


def is_classifier(key: str) -> bool:
    parts = key.split(".")
    return (len(parts) >= 2 and parts[-2] == "classifier") or key in ("classifier.weight", "classifier.bias")


def apply(path: str, model: torch.nn.Module, variant: str = "") -> TransferReport:
    """Copies the tensors of the checkpoint at `path` that fit into `model` (in place)."""
    raw, metadata = safetensors_io.load(path)
    source = raw
    if metadata.get("format") == "hard-training-state":
        source = {k[len("model."):]: v for k, v in raw.items() if k.startswith("model.")}
    report = TransferReport()
    mine = model.state_dict()
    copies = []
    for key, tensor in mine.items():
        value = source.get(key)
        if value is None:
            report.fresh.append(key)
            continue
        shape, want = tuple(value.shape), tuple(tensor.shape)
        if shape == want:
            copies.append((tensor, value))
            report.loaded.append(key)
        elif is_classifier(key) and len(shape) == len(want) and shape[1:] == want[1:]:
            report.reinitialised.append(key)
        else:
            raise TransferError(f"{path}: {key} has shape {list(shape)} there and {list(want)} in {variant or 'this model'}; "
                                "--init-from needs the same architecture (a classifier may differ in its class count)")
    report.skipped = sorted(k for k in source if k not in mine)
    if not report.loaded:
        raise TransferError(f"{path}: no tensor of it fits {variant or 'this model'} (no key in common); is it a "
                            "checkpoint of this variant?")
    with torch.no_grad():
        for tensor, value in copies:
            tensor.copy_(torch.from_numpy(value))
    return report
