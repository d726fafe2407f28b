"""Images and label maps read as hard reads them (Sources/HardData/Codecs/ImageFile.swift), decoded
by Pillow:

- the format is told by the first bytes, not the extension (PNG or JPEG, anything else refused);
- `read_rgb`: 8-bit RGB (H, W, 3) uint8; alpha dropped, gray replicated, palette looked up, gray
  of 1, 2 or 4 bits expanded to 8; no gamma, colour profile or EXIF rotation applied; 16-bit
  PNGs refused;
- `read_labels`: (H, W) uint8: a gray or palette PNG's samples exactly as stored (palette
  indices, gray levels unscaled), an RGB/RGBA PNG through a colour table; JPEG refused.
"""

import io
import struct

import numpy as np
from PIL import Image

MAX_PIXELS = 1 << 28
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
Image.MAX_IMAGE_PIXELS = None          # hard's own limit (MAX_PIXELS) is checked instead


class ImageIOError(ValueError):
    def __init__(self, file, problem):
        super().__init__(f"{file}: {problem}")
        self.file, self.problem = file, problem


def _read(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ImageIOError(path, f"cannot read: {e.strerror or e}") from None
    if not data:
        raise ImageIOError(path, "file is empty")
    return data


def _format(data, path):
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    head = " ".join(f"{b:02X}" for b in data[:8])
    raise ImageIOError(path, f"not a PNG or JPEG image (first bytes {head})")


def _png_header(data, path):
    """(width, height, bit depth, colour type) from IHDR."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ImageIOError(path, "damaged PNG: no IHDR chunk")
    w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
    if ctype not in (0, 2, 3, 4, 6):
        raise ImageIOError(path, f"damaged PNG: unknown colour type {ctype}")
    if depth > 8:
        raise ImageIOError(path, "16-bit PNG is not supported; convert to 8-bit")
    _check_size(w, h, path)
    return w, h, depth, ctype


def _check_size(w, h, path):
    if w <= 0 or h <= 0:
        raise ImageIOError(path, f"image has no pixels ({w}x{h})")
    if w > MAX_PIXELS // h:
        raise ImageIOError(path, f"image is {w}x{h}, over the limit of {MAX_PIXELS} pixels for one image")


def _open(data, path):
    try:
        img = Image.open(io.BytesIO(data))
        _check_size(img.size[0], img.size[1], path)
        img.load()
        return img
    except ImageIOError:
        raise
    except Exception as e:  # Pillow's many decoder errors
        raise ImageIOError(path, f"damaged image: {e}") from None


def read_rgb(path) -> np.ndarray:
    """(H, W, 3) uint8."""
    data = _read(path)
    fmt = _format(data, path)
    if fmt == "png":
        _png_header(data, path)
    img = _open(data, path)
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img, dtype=np.uint8).copy()


def read_labels(path, colors=None) -> np.ndarray:
    """(H, W) uint8. `colors`: {(r, g, b): value} for RGB/RGBA masks; without it they are refused."""
    data = _read(path)
    if _format(data, path) == "jpeg":
        raise ImageIOError(path, "is a JPEG; label maps must be PNG (JPEG is lossy and changes class values along edges)")
    w, h, depth, ctype = _png_header(data, path)
    img = _open(data, path)
    if ctype in (0, 4, 3):
        if ctype == 3:
            a = np.asarray(img if img.mode == "P" else img.convert("P"), dtype=np.uint8)
        elif img.mode == "1":
            a = np.asarray(img, dtype=np.uint8)
        else:
            a = np.asarray(img, dtype=np.uint8)
            if a.ndim == 3:
                a = a[:, :, 0]                  # gray + alpha: the gray samples
            if depth in (2, 4):
                a = a // (255 // ((1 << depth) - 1))   # Pillow scales 2- and 4-bit gray to 8 bits
        return np.ascontiguousarray(a, dtype=np.uint8)
    if colors is None:
        raise ImageIOError(path, f"is an {'RGB' if ctype == 2 else 'RGBA'} label map, which needs a colour table "
                                 "(colour -> class); store labels as grayscale or palette PNG, or give the class colours")
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return map_colors(rgb, colors, path)


def map_colors(rgb, colors, path) -> np.ndarray:
    """(H, W, 3) -> (H, W) through {(r, g, b): value}; a colour not in the table is an error naming it."""
    key = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    table_keys = np.array(sorted((r << 16) | (g << 8) | b for (r, g, b) in colors), dtype=np.uint32)
    lookup = {(r << 16) | (g << 8) | b: v for (r, g, b), v in colors.items()}
    values = np.array([lookup[int(k)] for k in table_keys], dtype=np.uint8)
    pos = np.searchsorted(table_keys, key)
    pos = np.minimum(pos, len(table_keys) - 1)
    found = table_keys[pos] == key
    if not found.all():
        y, x = np.argwhere(~found)[0]
        r, g, b = (int(c) for c in rgb[y, x])
        raise ImageIOError(path, f"colour ({r}, {g}, {b}) at pixel (x {x}, y {y}) is not in the colour table ({len(colors)} colours)")
    return values[pos]


def write_png(path, array):
    """Writes (H, W) gray or (H, W, 3) RGB uint8 as PNG (tests and tools)."""
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path, format="PNG")
