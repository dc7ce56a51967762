"""A stand-in for the sentence encoder: cheap, deterministic, and it records its input."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.encoder import DIMENSIONS


class CountingEncoder:
    """Vectors from text lengths (one-hot at ``len(text) % width``, ``width`` columns,
    the shipped encoder's by default); keeps every text it is asked to encode, in order,
    in ``texts``."""

    def __init__(self, width: int = DIMENSIONS) -> None:
        self.texts: list[str] = []
        self.width = width

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_with_tokens(texts, tokens=False)[0]

    def encode_with_tokens(
        self, texts: Sequence[str], *, content: bool = False, tokens: bool = True
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector, and as its word pieces that one vector."""
        self.texts.extend(texts)
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, len(text) % self.width] = 1.0
        return out, [row[None, :] for row in out] if tokens else []

    def piece_ids(self, text: str, *, content: bool = False) -> np.ndarray:
        """One piece per text, as :meth:`encode_with_tokens` gives (its length's id)."""
        return np.array([len(text) % self.width])
