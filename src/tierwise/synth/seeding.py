"""Independent, reproducible random streams, one per domain and chunk.

Every stream is derived from the user's seed and a stable key (crc32 of text, never
Python's salted `hash`), so a table's data does not change when another table's
generation changes, and chunking a month into parts stays deterministic.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """A PCG64 generator for `(seed, *keys)`; the same keys always give the same numbers."""
    words = [seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF]
    for key in keys:
        words.append(zlib.crc32(key.encode()) if isinstance(key, str) else int(key) & 0xFFFFFFFF)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))
