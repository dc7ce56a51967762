"""The reranker's semantic feature: how close a candidate sentence's meaning is to the
question's (the cosine of their MiniLM vectors, :mod:`retrieval.encoder`).

On by default for ``citebot ask`` only (``CITEBOT_SEMANTIC``): on SQuAD it lifts
out-of-fold hit@1 by ~3 points, but each distinct question costs a ~9 ms encoder pass,
against ~0.5 ms for the rest of an answer (benchmarks/RESULTS.md). A sentence is encoded
the first time it is a candidate and kept, in memory and, with a
:class:`~retrieval.vector_store.VectorStore`, on disk for the next process; above
:data:`MAX_SEMANTIC_PASSAGES` passages the feature is not offered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol

import numpy as np

from retrieval.corpus import Corpus
from retrieval.quotes import quote_text
from retrieval.vector_store import VectorStore, text_digest

# The question's cosine with the sentence, and its gap to the best of the candidates
# ranked with it (0 for the best): the trees compare sentences of one question by it,
# whatever the question's own scale of cosines.
SEMANTIC_FEATURES = ("semantic_cosine", "semantic_gap")
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

    def __init__(
        self,
        *,
        loader: EncoderLoader,
        text_of: Callable[[int], str],
        size: int,
        store: VectorStore | None = None,
    ) -> None:
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
        self._digests = np.zeros(size, dtype=np.uint64)  # of the text each row encodes
        self._store = store
        self._stored: dict[int, np.ndarray] | None = None  # read on first use
        self._encoded_here = 0
        self._last_question: tuple[str, np.ndarray] | None = None

    @property
    def encoded(self) -> int:
        """How many passages have a vector so far."""
        return int(self._known.sum())

    @property
    def encoded_here(self) -> int:
        """How many passages this process encoded (not read from the store)."""
        return self._encoded_here

    def cosines(self, question: str, ids: np.ndarray) -> np.ndarray:
        encoder = self._loader.get()
        missing = np.unique(ids[~self._known[ids]])
        if len(missing):
            self._fill(encoder, missing)
        last = self._last_question
        if last is not None and last[0] == question:
            query = last[1]
        else:
            # A folder's question is ranked in several documents (retrieval.routing):
            # encoded once.
            query = encoder.encode([question])[0]
            self._last_question = (question, query)
        return (self._vectors[ids] @ query).astype(np.float64)

    def shifted(self, start: int) -> ShiftedScorer:
        """This scorer for one document of the folder, whose passage ``i`` is the
        folder's ``start + i`` (vectors shared)."""
        return ShiftedScorer(self, start)

    def _fill(self, encoder: Encoder, rows: np.ndarray) -> None:
        stored = self._stored_vectors()
        texts: list[str] = []
        to_encode: list[int] = []
        for row in rows.tolist():
            text = self._text_of(row)
            digest = text_digest(text)
            vector = stored.get(digest)
            if vector is None:
                texts.append(text)
                to_encode.append(row)
            else:
                self._vectors[row] = vector
            self._digests[row] = digest
        if to_encode:
            self._vectors[to_encode] = encoder.encode(texts)
            self._encoded_here += len(to_encode)
        self._known[rows] = True

    def _stored_vectors(self) -> dict[int, np.ndarray]:
        if self._stored is None:
            self._stored = self._store.load() if self._store is not None else {}
        return self._stored

    def save(self) -> None:
        """Write the vectors to the store when this process encoded any (kept with the
        stored ones not used this time, unless those outnumber the passages: then only
        the ones whose text is still in the documents)."""
        if self._store is None or not self._encoded_here:
            return
        rows = np.flatnonzero(self._known)
        merged = dict(self._stored_vectors())
        merged.update(zip(self._digests[rows].tolist(), self._vectors[rows], strict=True))
        if len(merged) > len(self._known):
            current = {text_digest(self._text_of(i)) for i in range(len(self._known))}
            merged = {d: v for d, v in merged.items() if d in current}
        digests = np.fromiter(merged, dtype=np.uint64, count=len(merged))
        vectors = (np.vstack(list(merged.values())) if merged
                   else np.zeros((0, self._vectors.shape[1]), dtype=np.float32))
        self._store.save(digests, vectors)
        self._stored = merged
        self._encoded_here = 0


class ShiftedScorer:
    """A folder's :class:`SemanticScorer` seen from one of its documents."""

    def __init__(self, scorer: SemanticScorer, start: int) -> None:
        self._scorer = scorer
        self._start = start

    def cosines(self, question: str, ids: np.ndarray) -> np.ndarray:
        return self._scorer.cosines(question, np.asarray(ids, dtype=np.int64) + self._start)

    def shifted(self, start: int) -> ShiftedScorer:
        return ShiftedScorer(self._scorer, self._start + start)

    def save(self) -> None:
        self._scorer.save()


def semantic_scorer(
    corpus: Corpus, loader: EncoderLoader, store: VectorStore | None = None
) -> SemanticScorer | None:
    """A scorer for ``corpus`` (vectors of what its citations quote), or None when the
    corpus has more than :data:`MAX_SEMANTIC_PASSAGES` passages."""
    if len(corpus) > MAX_SEMANTIC_PASSAGES:
        return None
    return SemanticScorer(loader=loader, text_of=partial(quote_text, corpus), size=len(corpus),
                          store=store)


def semantic_columns(cosines: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
    """The :data:`SEMANTIC_FEATURES` columns (candidates x 2) from their ``cosines``;
    ``known``: which candidates have theirs (the others hold 0 in both columns)."""
    out = np.zeros((len(cosines), len(SEMANTIC_FEATURES)))
    rows = np.ones(len(cosines), dtype=bool) if known is None else known
    if rows.any():
        out[rows, 0] = cosines[rows]
        out[rows, 1] = cosines[rows] - cosines[rows].max()
    return out
