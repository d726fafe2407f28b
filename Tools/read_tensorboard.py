#!/usr/bin/env python3
"""Reads a folder of TensorBoard events files with TensorBoard's own loader and prints
what it found as JSON, for Tests/HardTrainTests/TensorBoardWriterTests.swift (and for a
look at a run without starting TensorBoard).

    .venv/bin/python Tools/read_tensorboard.py runs/xxs

Prints {"files": {name: records}, "file_version": ..., "scalars": {tag: [[step, value], ...]},
"images": {tag: [[step, width, height, base64 PNG], ...]}}. Every record of every file is
first read with TensorBoard's record reader, which checks both CRCs of each record: a bad
checksum or a torn record is an error here (exit 1), where TensorBoard itself would stop
reading the file quietly. Scalars and images then come from EventAccumulator, which
merges the files of the folder in name order and drops what a restart (SessionLog.START)
orphaned; nothing is sampled away (size guidance 0 keeps every point).
"""
import base64
import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.tensorflow_stub import errors
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New


def count_records(path):
    reader = PyRecordReader_New(path)
    n = 0
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return n
        n += 1


def main():
    if len(sys.argv) != 2:
        print("usage: read_tensorboard.py FOLDER", file=sys.stderr)
        return 2
    folder = sys.argv[1]
    names = sorted(n for n in os.listdir(folder) if "tfevents" in n)
    try:
        files = {n: count_records(os.path.join(folder, n)) for n in names}
    except errors.DataLossError as e:
        print(f"damaged events file: {e.message}", file=sys.stderr)
        return 1
    acc = event_accumulator.EventAccumulator(
        folder, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0}
    )
    acc.Reload()
    tags = acc.Tags()
    out = {
        "files": files,
        "file_version": acc.file_version,
        "scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags["scalars"]},
        "images": {
            t: [[e.step, e.width, e.height, base64.b64encode(e.encoded_image_string).decode("ascii")] for e in acc.Images(t)]
            for t in tags["images"]
        },
    }
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
