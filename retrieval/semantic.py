"""The reranker's semantic feature: how close a candidate sentence's meaning is to the
question's (the cosine of their MiniLM vectors, :mod:`retrieval.encoder`).

Opt-in (``CITEBOT_SEMANTIC``): on SQuAD it lifts out-of-fold hit@1 by ~3 points, but
each distinct question costs a ~9 ms encoder pass, against ~0.5 ms for the rest of an
answer (benchmarks/RESULTS.md). A sentence is encoded the first time it is a candidate
and kept; above :data:`MAX_SEMANTIC_PASSAGES` passages the feature is not offered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

import numpy as np

from retrieval.corpus import Corpus
from retrieval.quotes import quote_text

SEMANTIC_FEATURES = ("semantic_cosine",)
# Vectors for this many passages take 30 MB; encoding them all takes minutes.
MAX_SEMANTIC_PASSAGES = 20_000


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EncoderLoader:
    """Loads the encoder on first use, once, for every scorer that shares this loader
    (by default the shipped MiniLM, imported only then: the default, lexical ranking
    never pays for it)."""

    def __init__(self, load: Callable[[], Encoder] | None = None) -> None:
        self._load = load
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    def get(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                if self._load is None:
                    from retrieval.encoder import SentenceEncoder

                    self._load = SentenceEncoder.load
                self._encoder = self._load()
            return self._encoder


class SemanticScorer:
    """Cosines between a question and passages; passage vectors are computed once."""

    def __init__(self, *, loader: EncoderLoader, text_of: Callable[[int], str], size: int) -> None:
        if size > MAX_SEMANTIC_PASSAGES:
            raise ValueError(
                f"semantic ranking serves at most {MAX_SEMANTIC_PASSAGES:,} passages, not {size:,}"
            )
        from retrieval.encoder import DIMENSIONS

        self._loader = loader
        self._text_of = text_of
        self._vectors = np.zeros((size, DIMENSIONS), dtype=np.float32)
        # Set only after a vector is stored, so a concurrent reader never sees a
        # known row that is still zero (two threads may both encode a row: same values).
        self._known = np.zeros(size, dtype=bool)

    @property
    def encoded(self) -> int:
        """How many passages have a vector so far."""
        return int(self._known.sum())

    def cosines(self, question: str, ids: np.ndarray) -> np.ndarray:
        encoder = self._loader.get()
        missing = np.unique(ids[~self._known[ids]])
        if len(missing):
            self._vectors[missing] = encoder.encode([self._text_of(int(i)) for i in missing])
            self._known[missing] = True
        query = encoder.encode([question])[0]
        return (self._vectors[ids] @ query).astype(np.float64)


def semantic_scorer(corpus: Corpus, loader: EncoderLoader) -> SemanticScorer | None:
    """A scorer for ``corpus`` (vectors of what its citations quote), or None when the
    corpus has more than :data:`MAX_SEMANTIC_PASSAGES` passages."""
    if len(corpus) > MAX_SEMANTIC_PASSAGES:
        return None
    return SemanticScorer(loader=loader, text_of=partial(quote_text, corpus), size=len(corpus))
