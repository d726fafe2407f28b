#!/usr/bin/env python3
"""Writes the PyTorch side's parity fixtures for hard's test suite (docs/torch.md):

    .venv-torch/bin/python Tools/torch/make_fixtures.py [--out DIR]

DIR defaults to Tests/HardModelsTests/Fixtures/torch/from-torch. Weights, input and labels come
from the parity formula (hard_torch/parity.py), so only outputs are stored, as safetensors:
  eval-<variant>.safetensors     logits (1, 4, 64, 64) in eval mode, the first input values,
                                 and the state_dict's [[key, shape], ...] in the metadata
  train-<variant>.safetensors    one training step (hard_torch/train_step.py), and `noise`:
                                 PyTorch float32's own error against float64 per entry
                                 (sorted-name order), which sets each entry's tolerance
  checkpoint-hard-edge.*         save_checkpoint of the parity HARD-Edge, for hard to load
Deterministic: CPU, float32, one thread.
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import hard_torch  # noqa: E402
from hard_torch import parity, safetensors_io, train_step  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "HardModelsTests", "Fixtures", "torch", "from-torch")


def parity_model(variant):
    model = hard_torch.build_model(variant, parity.CLASSES)
    parity.fill(model)
    model.eval()
    return model


def eval_logits(model):
    with torch.no_grad():
        return model(parity.input_batch(1, parity.HEIGHT, parity.WIDTH))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    generator = f"PyTorch {torch.__version__}, Tools/torch/make_fixtures.py"
    for v in hard_torch.VARIANTS:
        model = parity_model(v)
        state = [[k, list(t.shape)] for k, t in model.state_dict().items()]
        tensors = [("logits", eval_logits(model).numpy()),
                   ("input_probe", parity.input_batch(1, parity.HEIGHT, parity.WIDTH).reshape(-1)[:16].numpy())]
        meta = {"generator": generator, "variant": v, "classes": parity.CLASSES,
                "height": parity.HEIGHT, "width": parity.WIDTH, "state_dict": json.dumps(state, separators=(",", ":"))}
        safetensors_io.save(os.path.join(args.out, f"eval-{v}.safetensors"), tensors, meta)
        print(f"eval-{v}: logits max |.| {tensors[0][1].__abs__().max():.4f}")
    for v in train_step.VARIANTS:
        tensors = train_step.train_step(v)
        _, n = train_step.step_noise(v, tensors)
        tensors.append(("noise", n))
        meta = {"generator": generator, "variant": v, "classes": parity.CLASSES, "height": parity.HEIGHT,
                "width": parity.WIDTH, "batch": train_step.BATCH, "lr": train_step.LR,
                "weight_decay": train_step.WEIGHT_DECAY, "aux_weight": train_step.AUX_WEIGHT}
        safetensors_io.save(os.path.join(args.out, f"train-{v}.safetensors"), tensors, meta)
        print(f"train-{v}: loss {tensors[0][1]}")
    hard_torch.save_checkpoint(parity_model("hard-edge"), os.path.join(args.out, "checkpoint-hard-edge.safetensors"),
                               "hard-edge", parity.CLASSES)


if __name__ == "__main__":
    main()
