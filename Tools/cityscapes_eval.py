#!/usr/bin/env python3
"""Run the official Cityscapes pixel-level evaluator on a folder of predictions.

Usage:
    python3 Tools/cityscapes_eval.py CITYSCAPES_ROOT PREDICTIONS_DIR

As a user runs `csEvalPixelLevelSemanticLabeling`: ground truth from
CITYSCAPES_ROOT/gtFine/val/*/*_gtFine_labelIds.png, each image's prediction found in
PREDICTIONS_DIR by its <city>_<seq>_<frame> (labelIds PNGs). The instance-level score is
off (it needs *_gtFine_instanceIds.png). Prints one JSON line:
{"miou": averageScoreClasses, "classes": {name: IoU or null}, "pixels": pixels labelled
with an evaluated class}.
Exit status 0, or 2 with a one-line error.
"""

import json
import math
import os
import sys
import tempfile


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, predictions = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as export:
        # The evaluator reads its paths from the environment when it is imported.
        os.environ["CITYSCAPES_DATASET"] = root
        os.environ["CITYSCAPES_RESULTS"] = predictions
        os.environ["CITYSCAPES_EXPORT_DIR"] = export
        try:
            from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as ev
        except ImportError as e:
            print(f"error: cityscapesscripts is not installed ({e}); run scripts/bootstrap.sh --python", file=sys.stderr)
            return 2
        ev.args.evalInstLevelScore = False
        ev.args.quiet = True
        ev.args.colorized = False
        sys.argv = sys.argv[:1]
        ev.main()
        with open(ev.args.exportFile) as f:
            result = json.load(f)
    classes = {k: (None if math.isnan(v) else v) for k, v in result["classScores"].items()}
    # Pixels whose ground truth is one of the 19 scored classes (the matrix has every id).
    from cityscapesscripts.helpers.labels import id2label
    pixels = sum(sum(result["confMatrix"][i]) for i in result["labels"].values() if not id2label[i].ignoreInEval)
    print(json.dumps({"miou": result["averageScoreClasses"], "classes": classes, "pixels": pixels}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
