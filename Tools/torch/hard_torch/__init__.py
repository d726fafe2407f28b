"""hard_torch: the PyTorch twin of hard's five HARD variants (docs/torch.md).

`state_dict()` keys are hard's parameter names, so checkpoints move both ways exactly:

    model = hard_torch.build_model("hard-xxs", classes=19)
    model = hard_torch.load_checkpoint("runs/xxs/best.safetensors")
    hard_torch.save_checkpoint(model, "out.safetensors", "hard-xxs", 19)
    encoder = hard_torch.build_classifier("hard-xxs", classes=1000)   # pretraining (same encoder keys)

Training (`python -m hard_torch.train`, DDP under torchrun): hard_torch/train.py.
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .classifier import build_classifier
from .variants import VARIANTS, build_model

__all__ = ["VARIANTS", "build_classifier", "build_model", "load_checkpoint", "save_checkpoint"]
