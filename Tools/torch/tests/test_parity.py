"""PyTorch twin against fixtures hard wrote (Tests/HardModelsTests/Fixtures/torch/from-hard,
rewritten by `HARD_WRITE_TORCH_FIXTURES=1 swift test --filter TorchParityTests`), and the
checkpoint API. Run by `make test-torch`; docs/torch.md."""

import json
import os

import numpy as np
import pytest
import torch

import hard_torch
from hard_torch import parity, safetensors_io, train_step

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FROM_HARD = os.path.join(ROOT, "Tests", "HardModelsTests", "Fixtures", "torch", "from-hard")


def fixture(name):
    return safetensors_io.load(os.path.join(FROM_HARD, name + ".safetensors"))


def parity_model(variant):
    model = hard_torch.build_model(variant, parity.CLASSES)
    parity.fill(model)
    model.eval()
    return model


def eval_logits(model):
    with torch.no_grad():
        return model(parity.input_batch(1, parity.HEIGHT, parity.WIDTH)).numpy()


def test_parity_formula_is_pinned():
    assert parity.key_hash("a") == 0xE40C292C  # FNV-1a's published value
    u = parity.uniform("input", 1000)
    assert u.dtype == np.float32 and u.min() >= -1 and u.max() < 1


@pytest.mark.parametrize("variant", hard_torch.VARIANTS)
def test_state_dict_keys_and_shapes_are_hards_in_order(variant):
    _, meta = fixture(f"eval-{variant}")
    hard_list = json.loads(meta["state_dict"])
    mine = [[k, list(t.shape)] for k, t in hard_torch.build_model(variant, parity.CLASSES).state_dict().items()]
    assert mine == hard_list
    assert not any(k.endswith("num_batches_tracked") for k, _ in mine)


@pytest.mark.parametrize("variant", hard_torch.VARIANTS)
def test_eval_logits_match_hard(variant):
    tensors, meta = fixture(f"eval-{variant}")
    assert (meta["variant"], int(meta["height"]), int(meta["width"]), int(meta["classes"])) == \
        (variant, parity.HEIGHT, parity.WIDTH, parity.CLASSES)
    logits = eval_logits(parity_model(variant))
    assert logits.shape == tensors["logits"].shape
    diff = float(np.abs(logits - tensors["logits"]).max())
    print(f"torch parity {variant} eval {parity.HEIGHT}x{parity.WIDTH}: max |torch - hard| = {diff:.3g}")
    assert diff <= 1e-4


def test_train_mode_returns_auxiliary_logits_for_hard_gpu():
    x = parity.input_batch(2, 64, 64)
    gpu = hard_torch.build_model("hard-gpu", 3).train()
    out = gpu(x)
    assert isinstance(out, tuple) and len(out) == 3 and all(o.shape == (2, 3, 64, 64) for o in out)
    assert gpu.eval()(x).shape == (2, 3, 64, 64)
    edge = hard_torch.build_model("edge", 3).train()
    assert edge(x).shape == (2, 3, 64, 64)


def test_checkpoint_round_trips_bit_for_bit_and_loads_strictly(tmp_path):
    model = parity_model("hard-xxs")
    path = str(tmp_path / "m.safetensors")
    hard_torch.save_checkpoint(model, path, "hard-xxs", parity.CLASSES)
    with open(tmp_path / "m.json") as f:
        assert json.load(f) == {"format": "hard-checkpoint", "version": 1, "variant": "hard-xxs", "classes": parity.CLASSES}
    loaded = hard_torch.load_checkpoint(path)
    assert (loaded.variant, loaded.classes) == ("hard-xxs", parity.CLASSES)
    a, b = model.state_dict(), loaded.state_dict()
    assert list(a) == list(b)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    # strict: an extra tensor is refused.
    tensors, meta = safetensors_io.load(path)
    safetensors_io.save(path, list(tensors.items()) + [("extra.weight", np.zeros(2, np.float32))], meta)
    with pytest.raises(RuntimeError, match="extra.weight"):
        hard_torch.load_checkpoint(path)
    # A lone .safetensors still loads from its metadata.
    safetensors_io.save(path, list(tensors.items()), meta)
    os.remove(tmp_path / "m.json")
    assert hard_torch.load_checkpoint(path).variant == "hard-xxs"


def test_loads_the_checkpoint_hard_saved():
    model = hard_torch.load_checkpoint(os.path.join(FROM_HARD, "checkpoint-hard-edge.safetensors"))
    assert (model.variant, model.classes) == ("hard-edge", parity.CLASSES)
    for k, t in model.state_dict().items():
        assert np.array_equal(t.numpy().view(np.uint32), parity.values(k, tuple(t.shape)).view(np.uint32)), k
    model.eval()
    tensors, _ = fixture("eval-hard-edge")
    assert float(np.abs(eval_logits(model) - tensors["logits"]).max()) <= 1e-4


def test_loads_a_resized_checkpoint_hard_saved_and_saves_it_as_hard_does(tmp_path):
    path = os.path.join(FROM_HARD, "checkpoint-hard-edge-rt.safetensors")
    with open(os.path.join(FROM_HARD, "checkpoint-hard-edge-rt.json")) as f:
        architecture = json.load(f)["architecture"]
    model = hard_torch.load_checkpoint(path)
    assert (model.variant, model.classes, model.architecture) == ("hard-edge", parity.CLASSES, architecture)
    assert model.config.stem == 12 and [s.channels for s in model.config.stages] == [12, 36]
    for k, t in model.state_dict().items():
        assert np.array_equal(t.numpy().view(np.uint32), parity.values(k, tuple(t.shape)).view(np.uint32)), k
    model.eval()
    tensors, _ = fixture("eval-hard-edge-rt")
    assert float(np.abs(eval_logits(model) - tensors["logits"]).max()) <= 1e-4
    # Saved by the twin: the same JSON and metadata hard writes, and it loads back.
    out = str(tmp_path / "rt.safetensors")
    hard_torch.save_checkpoint(model, out, "hard-edge", parity.CLASSES)
    with open(tmp_path / "rt.json") as f:
        assert json.load(f)["architecture"] == architecture
    assert safetensors_io.load(out)[1]["architecture"] == safetensors_io.load(path)[1]["architecture"]
    assert hard_torch.load_checkpoint(out).architecture == architecture
    # A damaged architecture names the file and the problem.
    bad = dict(architecture, stem=0)
    with open(tmp_path / "rt.json", "w") as f:
        json.dump({"format": "hard-checkpoint", "version": 1, "variant": "hard-edge", "classes": parity.CLASSES,
                   "architecture": bad}, f)
    with pytest.raises(ValueError, match=r"rt\.json: 'architecture': 'stem' is 0"):
        hard_torch.load_checkpoint(out)


@pytest.mark.parametrize("variant", train_step.VARIANTS)
def test_training_step_matches_hard(variant):
    hard, meta = fixture(f"train-{variant}")
    assert float(meta["lr"]) == pytest.approx(train_step.LR) and int(meta["batch"]) == train_step.BATCH
    out32 = train_step.train_step(variant)
    names, noise = train_step.step_noise(variant, out32)
    assert sorted(hard) == names
    failures, stats = train_step.compare(dict(out32), hard, dict(zip(names, noise)), variant)
    print(f"torch parity {variant} train step: loss relative error {stats['loss']:.3g}; {stats['strict']} checks at 1e-4; "
          f"{stats['updates']} updates, {stats['flips']} sign flips on near-zero gradients; "
          f"worst error/tolerance {stats['worst_ratio']:.3g} ({stats['worst']})")
    assert not failures, "\n".join(failures[:20])
