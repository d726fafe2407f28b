"""hard's seeded generator (Sources/HardEngine/Tensor/Random.swift: xoshiro256** seeded through
SplitMix64) and the Swift standard library's `shuffle(using:)` over it, so that the PyTorch
trainer draws the data order and the augmentation from the same streams as `hard train`."""

import numpy as np

M64 = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class SeededGenerator:
    def __init__(self, seed: int):
        x = seed & M64
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            s.append(z ^ (z >> 31))
        self.s = s

    def next(self) -> int:
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & M64, 7) * 9) & M64
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next_unit_float(self) -> np.float32:
        """Uniform in [0, 1) with 24 bits, as a float32."""
        return np.float32(self.next() >> 40) * np.float32(1.0 / (1 << 24))

    def uniform(self, low, high) -> np.float32:
        low, high = np.float32(low), np.float32(high)
        return np.float32(low + np.float32(high - low) * self.next_unit_float())

    def next_below(self, upper: int) -> int:
        """Swift's `next(upperBound:)` (Lemire's nearly divisionless method), 64-bit."""
        r = self.next()
        m = r * upper
        if (m & M64) < upper:
            t = ((1 << 64) - upper) % upper
            while (m & M64) < t:
                r = self.next()
                m = r * upper
        return m >> 64

    def shuffle(self, items: list) -> None:
        """Swift's `MutableCollection.shuffle(using:)`, in place."""
        amount, current = len(items), 0
        while amount > 1:
            j = current + self.next_below(amount)
            amount -= 1
            items[current], items[j] = items[j], items[current]
            current += 1
