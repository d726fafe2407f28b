"""hard's training augmentation and input normalisation (Sources/HardData/Transforms/*.swift), in
numpy, with hard's arithmetic: bilinear resize with half-pixel centres in double precision,
nearest-neighbour labels, crop padded with ImageNet's mean grey and label 255, horizontal flip,
brightness/contrast/saturation jitter in float32, values rounded half away from zero.

Images are (H, W, 3) uint8, labels (H, W) uint8."""

import numpy as np

from .rng import SeededGenerator

MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float32)
STD = np.array([58.395, 57.12, 57.375], dtype=np.float32)
PAD_COLOR = (124, 116, 104)
IGNORE = 255


def round_half_away(v):
    """Swift's `.rounded()` for arrays (numpy's own rounding sends halves to even)."""
    f = np.floor(v)
    up = (v - f) >= 0.5
    r = f + up
    # Negative halves go down (away from zero): -2.5 -> -3.
    neg_half = (v < 0) & ((v - f) == 0.5)
    return np.where(neg_half, f, r)


def swift_round(x: float) -> int:
    return int(round_half_away(np.float64(x)))


def resize_image(image, width, height):
    """Bilinear, half-pixel centres, clamped at the borders (Resampling.resize)."""
    h0, w0 = image.shape[:2]
    if w0 == width and h0 == height:
        return image
    sx, sy = w0 / width, h0 / height
    fy = np.maximum((np.arange(height, dtype=np.float64) + 0.5) * sy - 0.5, 0)
    y0 = np.minimum(fy.astype(np.int64), h0 - 1)
    y1 = np.minimum(y0 + 1, h0 - 1)
    wy = (fy - y0)[:, None, None]
    fx = np.maximum((np.arange(width, dtype=np.float64) + 0.5) * sx - 0.5, 0)
    x0 = np.minimum(fx.astype(np.int64), w0 - 1)
    x1 = np.minimum(x0 + 1, w0 - 1)
    wx = (fx - x0)[None, :, None]
    src = image.astype(np.float64)
    a, b = src[y0][:, x0], src[y0][:, x1]
    d, e = src[y1][:, x0], src[y1][:, x1]
    v = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy
    return np.clip(round_half_away(v), 0, 255).astype(np.uint8)


def resize_labels(labels, width, height):
    """Nearest neighbour: the source pixel whose centre is nearest."""
    h0, w0 = labels.shape
    if w0 == width and h0 == height:
        return labels
    sy, sx = h0 / height, w0 / width
    ys = np.minimum(((np.arange(height, dtype=np.float64) + 0.5) * sy).astype(np.int64), h0 - 1)
    xs = np.minimum(((np.arange(width, dtype=np.float64) + 0.5) * sx).astype(np.int64), w0 - 1)
    return labels[ys][:, xs]


def crop(image, labels, x, y, width, height):
    """The window at (x, y); outside the source: mean grey / 255."""
    out = np.empty((height, width, 3), np.uint8)
    out[:] = PAD_COLOR
    lab = np.full((height, width), IGNORE, np.uint8)
    h, w = image.shape[:2]
    sy0, sy1 = max(y, 0), min(y + height, h)
    sx0, sx1 = max(x, 0), min(x + width, w)
    if sy1 > sy0 and sx1 > sx0:
        out[sy0 - y:sy1 - y, sx0 - x:sx1 - x] = image[sy0:sy1, sx0:sx1]
        lab[sy0 - y:sy1 - y, sx0 - x:sx1 - x] = labels[sy0:sy1, sx0:sx1]
    return out, lab


def flip(image, labels):
    return np.ascontiguousarray(image[:, ::-1]), np.ascontiguousarray(labels[:, ::-1])


def jitter(image, brightness, contrast, saturation):
    """Brightness (scale), contrast (around the image mean), saturation (around the grey), float32.
    The mean is summed in double precision (hard sums in float32 in pixel order; the two differ
    in the last bits of the mean, and so at most by one grey level in a rounded pixel)."""
    f32 = np.float32
    mean = f32(image.astype(np.float64).mean())
    px = image.astype(np.float32)
    px = px * f32(brightness)
    px = (px - mean) * f32(contrast) + mean
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    grey = f32(0.299) * r + f32(0.587) * g + f32(0.114) * b
    s = f32(saturation)
    out = np.stack([grey + (r - grey) * s, grey + (g - grey) * s, grey + (b - grey) * s], axis=-1)
    return np.clip(round_half_away(out), 0, 255).astype(np.uint8)


class Augmentation:
    """Augmentation.swift: one random draw of scale, crop, flip and jitter per sample."""

    def __init__(self, crop_height, crop_width, scale_min=0.5, scale_max=2.0, flip_probability=0.5, photometric=0.2):
        self.crop_height, self.crop_width = crop_height, crop_width
        self.scale_min, self.scale_max = scale_min, scale_max
        self.flip_probability, self.photometric = flip_probability, photometric

    def apply(self, image, labels, rng: SeededGenerator):
        assert image.shape[:2] == labels.shape, "image and labels differ in size"
        s = float(rng.uniform(np.float32(self.scale_min), np.float32(self.scale_max)))
        h0, w0 = labels.shape
        w, h = max(1, swift_round(w0 * s)), max(1, swift_round(h0 * s))
        img = resize_image(image, w, h)
        lab = resize_labels(labels, w, h)
        x0 = rng.next() % (w - self.crop_width + 1) if w > self.crop_width else 0
        y0 = rng.next() % (h - self.crop_height + 1) if h > self.crop_height else 0
        img, lab = crop(img, lab, x0, y0, self.crop_width, self.crop_height)
        if float(rng.next_unit_float()) < self.flip_probability:
            img, lab = flip(img, lab)
        if self.photometric > 0:
            p = np.float32(self.photometric)
            one = np.float32(1)
            b = rng.uniform(one - p, one + p)
            c = rng.uniform(one - p, one + p)
            sat = rng.uniform(one - p, one + p)
            img = jitter(img, b, c, sat)
        return img, lab


def normalize(images) -> np.ndarray:
    """(N, H, W, 3) or (H, W, 3) uint8 -> (N, 3, H, W) float32: (x - mean) * (1 / std) per channel."""
    a = np.asarray(images)
    if a.ndim == 3:
        a = a[None]
    inv = (np.float32(1) / STD).astype(np.float32)
    x = (a.astype(np.float32) - MEAN) * inv
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def sample_rng(seed: int, position: int) -> SeededGenerator:
    """The augmentation generator of stream position p (BatchLoader.makeBatch)."""
    m = (1 << 64) - 1
    return SeededGenerator((seed ^ ((position * 0xD1B54A32D192ED03) & m) ^ 0xA5A5) & m)


def dataset_index(seed: int, position: int, n: int, _cache={}) -> int:
    """The dataset index at stream position p: epoch p // n, a permutation seeded by (seed, epoch)."""
    epoch = position // n
    key = (seed, epoch, n)
    order = _cache.get(key)
    if order is None:
        order = list(range(n))
        SeededGenerator((seed + epoch * 0x9E3779B97F4A7C15) & ((1 << 64) - 1)).shuffle(order)
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = order
    return order[position % n]
