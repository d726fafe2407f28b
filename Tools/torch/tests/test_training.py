"""The PyTorch trainer (hard_torch.train) on tiny generated data: the two-process gloo DDP check,
exact resume, fine-tuning to another class count, and encoder pretraining. Each run is a
subprocess, as users start it (`python -m hard_torch.train`, `torchrun ... -m hard_torch.train`)."""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from hard_torch import load_checkpoint, safetensors_io
from tiny_data import folder_dataset, imagenet_folder

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args, ranks=1, check=True):
    """Runs the trainer; with ranks > 1 under torchrun (gloo on CPU). Returns the completed process."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=TOOLS)
    if ranks == 1:
        cmd = [sys.executable, "-m", "hard_torch.train"] + args
    else:
        with socket.socket() as s:   # a free port for the rendezvous
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc_per_node={ranks}",
               "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}", "-m", "hard_torch.train"] + args
    p = subprocess.run(cmd, env=env, cwd=TOOLS, capture_output=True, text=True, timeout=240)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def weights(path):
    tensors, _ = safetensors_io.load(path)
    return {k: np.asarray(v, np.float64) for k, v in tensors.items()}


def max_relative(a, b):
    """max over tensors of ||a - b|| / max(||b||, 1e-3) (b the reference). The floor: a few
    tensors are mathematically zero and hold only rounding (a bias before a BatchNorm gets no
    gradient; norms ~1e-10), where a relative error means nothing."""
    worst = 0.0
    for k in b:
        worst = max(worst, float(np.linalg.norm(a[k] - b[k]) / max(np.linalg.norm(b[k]), 1e-3)))
    return worst


def common(root, out, iterations=3, batch=4, extra=()):
    return ["--model", "hard-edge", "--dataset", "folder", "--root", root, "--iterations", str(iterations),
            "--batch-size", str(batch), "--crop", "32x32", "--val-interval", str(iterations),
            "--checkpoint-interval", "1", "--lr-peak", "1e-2", "--output", out, *extra]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return folder_dataset(str(tmp_path_factory.mktemp("folder") / "set"), classes=3, train=8, val=2)


def test_two_gloo_ranks_reach_the_weights_of_one_process_with_the_whole_batch(data, tmp_path):
    # Trained in float64, so the only difference left is the order of the reductions (the
    # gradients' all-reduce, SyncBN's statistics); checkpoints store float32, so a weight may
    # round to the neighbouring float32 (relative 6e-8 each): 1e-6 over a tensor.
    one = str(tmp_path / "one"); two = str(tmp_path / "two"); local = str(tmp_path / "local")
    run(common(data, one, extra=("--dtype", "float64")))
    run(common(data, two, extra=("--dtype", "float64")), ranks=2)
    ref, got = weights(os.path.join(one, "last.safetensors")), weights(os.path.join(two, "last.safetensors"))
    assert set(ref) == set(got)
    err = max_relative(got, ref)
    assert err < 1e-6, f"2 ranks x 2 vs 1 x 4: max relative difference {err}"
    # The check can fail: without synchronised BatchNorm each rank normalises its own half batch.
    run(common(data, local, extra=("--dtype", "float64", "--no-sync-bn")), ranks=2)
    apart = max_relative(weights(os.path.join(local, "last.safetensors")), ref)
    assert apart > 1e-4, f"per-rank BN should differ from the whole batch's, got {apart}"


def test_resume_continues_to_the_same_weights(data, tmp_path):
    whole, split = str(tmp_path / "whole"), str(tmp_path / "split")
    run(common(data, whole, iterations=4))
    run(common(data, split, iterations=4) + ["--stop-after", "2"])
    run(common(data, split, iterations=4) + ["--resume"])
    assert max_relative(weights(os.path.join(split, "last.safetensors")), weights(os.path.join(whole, "last.safetensors"))) == 0.0


def test_init_from_another_class_count_keeps_all_but_the_classifier(data, tmp_path):
    src = str(tmp_path / "src")
    run(common(data, src, iterations=1))
    four = folder_dataset(str(tmp_path / "four"), classes=4, train=4, val=1)
    dst = str(tmp_path / "dst")
    p = run(common(four, dst, iterations=1, extra=("--init-from", os.path.join(src, "last.safetensors"))))
    assert "re-initialised" in p.stdout and "head.classifier.weight" in p.stdout, p.stdout
    model = load_checkpoint(os.path.join(dst, "last.safetensors"))
    assert model.state_dict()["head.classifier.weight"].shape[0] == 4


def test_classification_pretraining_writes_a_checkpoint_whose_encoder_starts_segmentation(data, tmp_path):
    root = imagenet_folder(str(tmp_path / "imagenet"))
    out = str(tmp_path / "cls")
    run(["--task", "classification", "--model", "hard-edge", "--dataset", "imagenet", "--root", root,
         "--iterations", "2", "--batch-size", "3", "--crop", "32x32", "--val-interval", "2", "--output", out])
    tensors, meta = safetensors_io.load(os.path.join(out, "last.safetensors"))
    assert meta.get("task") == "classification"
    assert tensors["classifier.weight"].shape == (3, 48, 1, 1)
    assert all(k.startswith(("stem.", "encoder.", "classifier.")) for k in tensors)
    seg = str(tmp_path / "seg")
    p = run(common(data, seg, iterations=1, extra=("--init-from", os.path.join(out, "last.safetensors"))))
    assert "skipped" in p.stdout and "classifier" in p.stdout, p.stdout
