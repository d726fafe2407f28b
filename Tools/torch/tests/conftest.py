import os
import sys

import torch

# Tools/torch on the path, so `import hard_torch` works from any working directory.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One thread, as make_fixtures.py: the same rounding on every machine.
torch.set_num_threads(1)
