"""A stand-in for the sentence encoder: cheap, deterministic, and it records its input."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.encoder import DIMENSIONS


class CountingEncoder:
    """Vectors from text lengths (one-hot at ``len(text) % DIMENSIONS``); keeps every text
    it is asked to encode, in order, in ``texts``."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, len(text) % DIMENSIONS] = 1.0
        return out
