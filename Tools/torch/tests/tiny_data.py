"""Tiny generated datasets in hard's layouts, and a minimal PNG writer for the PNG kinds Pillow
does not write directly (1-, 2- and 4-bit gray, small palettes). Everything is made in tmp dirs."""

import json
import os
import struct
import zlib

import numpy as np

from hard_torch.images import write_png


def png_bytes(samples, depth=8, color_type=0, palette=None):
    """A PNG of `samples` ((H, W) or (H, W, C) uint8) at `depth` bits with IHDR colour type
    `color_type` (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA), unfiltered rows."""
    samples = np.asarray(samples, np.uint8)
    h, w = samples.shape[:2]

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = bytearray()
    for y in range(h):
        row = samples[y].reshape(-1)
        rows.append(0)
        if depth < 8:
            per = 8 // depth
            packed = bytearray((len(row) * depth + 7) // 8)
            for i, v in enumerate(row):
                packed[i // per] |= int(v) << (8 - depth * (i % per + 1))
            rows += packed
        else:
            rows += row.tobytes()
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    return out + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def scene(h, w, classes, seed):
    """An image whose colour follows its label map: (image (H, W, 3), labels (H, W) in 0..classes-1)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    labels = ((xx * classes) // w + (yy > h // 2 + (seed % 3))) % classes
    base = np.array([[200, 40, 40], [40, 200, 40], [40, 40, 200], [200, 200, 40], [40, 200, 200]], np.int64)
    image = base[labels % len(base)] + rng.integers(-30, 30, (h, w, 3))
    return np.clip(image, 0, 255).astype(np.uint8), labels.astype(np.uint8)


def put(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_png(path, array)


def folder_dataset(root, classes=3, train=6, val=2, size=(36, 44), splits=True, ignore_corner=True):
    names = ["road", "car", "sky", "tree", "sign"][:classes]
    colors = [[128, 64, 128], [0, 0, 142], [70, 130, 180], [107, 142, 35], [220, 220, 0]][:classes]
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "classes.json"), "w") as f:
        json.dump({"classes": [{"name": n, "color": c} for n, c in zip(names, colors)]}, f)
    for split, n in ((("train", train), ("val", val)) if splits else (("", train),)):
        for i in range(n):
            h, w = size[0] + 2 * i, size[1]
            image, labels = scene(h, w, classes, seed=i + (100 if split == "val" else 0))
            if ignore_corner:
                labels[:3, :3] = 255
            put(os.path.join(root, split, "images", f"{i:03d}.png"), image)
            put(os.path.join(root, split, "masks", f"{i:03d}.png"), labels)
    return root


def imagenet_folder(root, classes=("cat", "dog", "fox"), per_class=3, size=(40, 52)):
    for split in ("train", "val"):
        for c, name in enumerate(classes):
            for i in range(per_class if split == "train" else 1):
                rng = np.random.default_rng(c * 100 + i + (7 if split == "val" else 0))
                image = np.zeros(size + (3,), np.uint8)
                image[..., c % 3] = 180
                image = np.clip(image.astype(np.int64) + rng.integers(0, 60, image.shape), 0, 255).astype(np.uint8)
                put(os.path.join(root, split, name, f"img{i}.png"), image)
    return root
