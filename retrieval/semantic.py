"""The reranker's semantic features: how close a candidate sentence's meaning is to the
question's (the cosine of their MiniLM vectors, :mod:`retrieval.encoder`), and how well
the question's words that the sentence lacks are met by its words in context (their word
pieces' vectors, :meth:`SemanticScorer.piece_match`).

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
from typing import NamedTuple, Protocol

import numpy as np

from retrieval.corpus import Corpus
from retrieval.quotes import quote_text
from retrieval.vector_store import StoredVectors, VectorStore, text_digest

# The question's cosine with the sentence, and its gap to the best of the candidates
# ranked with it (0 for the best): the trees compare sentences of one question by it,
# whatever the question's own scale of cosines. Then the same two for the word pieces'
# match (:meth:`SemanticScorer.piece_match`).
SEMANTIC_FEATURES = ("semantic_cosine", "semantic_gap", "semantic_pieces", "semantic_pieces_gap")
_NO_PIECES = np.zeros((0, 0), dtype=np.float16)
# Vectors for this many passages take 30 MB; encoding them all takes minutes.
MAX_SEMANTIC_PASSAGES = 20_000


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_with_tokens(
        self, texts: Sequence[str], *, content: bool = False, tokens: bool = True
    ) -> tuple[np.ndarray, list[np.ndarray]]: ...

    def piece_ids(self, text: str, *, content: bool = False) -> np.ndarray: ...


class EncoderLoader:
    """Loads the encoder on first use, once, for every scorer that shares this loader
    (by default the shipped MiniLM, imported only then: the default, lexical ranking
    never pays for it)."""

    def __init__(
        self, load: Callable[[], Encoder] | None = None, *, dimensions: int | None = None
    ) -> None:
        """``dimensions``: the width of ``load``'s vectors (default: the shipped encoder's)."""
        self._load = load
        self.dimensions = dimensions
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


class _Question(NamedTuple):
    """A question as the scorer matches it: its vector, its content word pieces'
    vectors and their vocabulary ids."""

    text: str
    vector: np.ndarray
    pieces: np.ndarray
    piece_ids: np.ndarray


class SemanticScorer:
    """Cosines between a question and passages, and the match of their word pieces;
    passage vectors are computed once."""

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
        self._vectors = np.zeros((size, loader.dimensions or DIMENSIONS), dtype=np.float32)
        # Each passage's word pieces in context, as float16 (half the memory; the
        # training script's passages go through this scorer too, so it learns the same).
        self._pieces: list[np.ndarray] = [_NO_PIECES] * size
        # Set only after a vector is stored, so a concurrent reader never sees a
        # known row that is still zero (two threads may both encode a row: same values).
        self._known = np.zeros(size, dtype=bool)
        self._digests = np.zeros(size, dtype=np.uint64)  # of the text each row encodes
        self._store = store
        self._stored: StoredVectors | None = None  # read on first use
        self._encoded_here = 0
        # The last question's vector and its content word pieces.
        self._last_question: _Question | None = None
        self._piece_ids: dict[int, np.ndarray] = {}

    @property
    def encoded(self) -> int:
        """How many passages have a vector so far."""
        return int(self._known.sum())

    @property
    def encoded_here(self) -> int:
        """How many passages this process encoded (not read from the store)."""
        return self._encoded_here

    def cosines(self, question: str, ids: np.ndarray) -> np.ndarray:
        query = self._encoded(question, ids).vector  # first: it encodes missing passages
        return (self._vectors[ids] @ query).astype(np.float64)

    def piece_match(self, question: str, ids: np.ndarray) -> np.ndarray:
        """Per passage, the mean over the question's content pieces that the passage
        lacks of each one's best cosine with a piece of the passage (-1 when it lacks
        none): how well the words it does not share are met in context."""
        _, _, query, qids = self._encoded(question, ids)  # first: it encodes missing ones
        encoder = self._loader.get()
        out = np.full(len(ids), -1.0)
        if len(query):
            for n, row in enumerate(ids.tolist()):
                pieces = self._pieces[row]
                if not len(pieces):
                    continue
                pids = self._piece_ids.get(row)
                if pids is None:
                    pids = self._piece_ids[row] = encoder.piece_ids(self._text_of(row))
                lacking = ~np.isin(qids, pids)
                if lacking.any():
                    sims = query[lacking] @ pieces.T.astype(np.float32)
                    out[n] = float(sims.max(axis=1).mean())
        return out

    def _encoded(self, question: str, ids: np.ndarray) -> _Question:
        """The question's vector, content pieces and their ids, after encoding any of
        ``ids`` not yet known."""
        encoder = self._loader.get()
        missing = np.unique(ids[~self._known[ids]])
        if len(missing):
            self._fill(encoder, missing)
        last = self._last_question
        if last is not None and last.text == question:
            return last
        # A folder's question is ranked in several documents (retrieval.routing): encoded
        # once.
        vectors, pieces = encoder.encode_with_tokens([question], content=True)
        last = _Question(question, vectors[0], pieces[0],
                         encoder.piece_ids(question, content=True))
        self._last_question = last
        return last

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
            vector, pieces = stored.vectors.get(digest), stored.pieces.get(digest)
            if vector is None or pieces is None:
                texts.append(text)
                to_encode.append(row)
            else:
                self._vectors[row] = vector
                self._pieces[row] = pieces
            self._digests[row] = digest
        if to_encode:
            vectors, pieces_of = encoder.encode_with_tokens(texts)
            self._vectors[to_encode] = vectors
            for row, pieces in zip(to_encode, pieces_of, strict=True):
                self._pieces[row] = pieces.astype(np.float16)
            self._encoded_here += len(to_encode)
        self._known[rows] = True

    def _stored_vectors(self) -> StoredVectors:
        if self._stored is None:
            self._stored = (self._store.load_all() if self._store is not None
                            else StoredVectors({}, {}))
        return self._stored

    def save(self) -> None:
        """Write the vectors to the store when this process encoded any (kept with the
        stored ones not used this time, unless those outnumber the passages: then only
        the ones whose text is still in the documents)."""
        if self._store is None or not self._encoded_here:
            return
        rows = np.flatnonzero(self._known)
        stored = self._stored_vectors()
        vectors = dict(stored.vectors)
        pieces = dict(stored.pieces)
        digests = self._digests[rows].tolist()
        vectors.update(zip(digests, self._vectors[rows], strict=True))
        pieces.update((d, self._pieces[r]) for d, r in zip(digests, rows.tolist(), strict=True))
        if len(vectors) > len(self._known):
            current = {text_digest(self._text_of(i)) for i in range(len(self._known))}
            vectors = {d: v for d, v in vectors.items() if d in current}
        merged = StoredVectors(vectors, {d: p for d, p in pieces.items() if d in vectors})
        self._store.save_all(merged)
        self._stored = merged
        self._encoded_here = 0


class ShiftedScorer:
    """A folder's :class:`SemanticScorer` seen from one of its documents."""

    def __init__(self, scorer: SemanticScorer, start: int) -> None:
        self._scorer = scorer
        self._start = start

    def cosines(self, question: str, ids: np.ndarray) -> np.ndarray:
        return self._scorer.cosines(question, np.asarray(ids, dtype=np.int64) + self._start)

    def piece_match(self, question: str, ids: np.ndarray) -> np.ndarray:
        return self._scorer.piece_match(question, np.asarray(ids, dtype=np.int64) + self._start)

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


def semantic_columns(
    cosines: np.ndarray, piece_match: np.ndarray, known: np.ndarray | None = None
) -> np.ndarray:
    """The :data:`SEMANTIC_FEATURES` columns (candidates x 4) from their ``cosines`` and
    pieces' ``piece_match``; ``known``: which candidates have theirs (the others hold 0 in
    every column)."""
    out = np.zeros((len(cosines), len(SEMANTIC_FEATURES)))
    rows = np.ones(len(cosines), dtype=bool) if known is None else known
    if rows.any():
        out[rows, 0] = cosines[rows]
        out[rows, 1] = cosines[rows] - cosines[rows].max()
        out[rows, 2] = piece_match[rows]
        out[rows, 3] = piece_match[rows] - piece_match[rows].max()
    return out
