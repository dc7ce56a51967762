"""Sentence centrality: TextRank over BM25 similarity between the sentences of a document."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.index import DEFAULT_B, DEFAULT_K1, BM25Index

# Above this many sentences the full similarity graph is not built (memory grows with
# sentences x vocabulary); centrality is then similarity to the document as a whole.
MAX_GRAPH_SENTENCES = 1000
_DAMPING = 0.85
_ITERATIONS = 60


class SentenceGraph:
    """Centrality of the passages ``ids`` (one document), normalised to a best of 1."""

    def __init__(
        self, *, index: BM25Index, ids: Sequence[int], k1: float = DEFAULT_K1, b: float = DEFAULT_B
    ) -> None:
        self.ids = np.asarray(list(ids), dtype=np.int64)
        self._position = {int(p): n for n, p in enumerate(self.ids.tolist())}
        tokens = [index.tokens[int(i)] for i in self.ids]
        vocabulary = {t: n for n, t in enumerate(dict.fromkeys(t for ts in tokens for t in ts))}
        n, v = len(tokens), len(vocabulary)
        lengths = np.array([len(ts) for ts in tokens], dtype=np.float64)
        average = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        idf = np.array([max(index.idf(t), 0.0) for t in vocabulary], dtype=np.float64)
        self._similarity: np.ndarray | None = None
        if n == 0:
            self._ranks = np.zeros(0)
            return
        if n <= MAX_GRAPH_SENTENCES:
            tf = np.zeros((n, v), dtype=np.float64)
            for row, ts in enumerate(tokens):
                for t in ts:
                    tf[row, vocabulary[t]] += 1.0
            norm = k1 * (1.0 - b + b * lengths / average)
            weights = idf * tf * (k1 + 1.0) / (tf + norm[:, None])
            present = (tf > 0).astype(np.float64)
            scores = present @ weights.T  # [i, j]: sentence j scored for sentence i's terms
            similarity = scores + scores.T
            np.fill_diagonal(similarity, 0.0)
            self._similarity = similarity
            self._ranks = _normalise(_pagerank(similarity))
        else:
            centroid = np.zeros(v)
            rows: list[np.ndarray] = []
            for ts in tokens:
                cols = np.array([vocabulary[t] for t in ts], dtype=np.int64)
                rows.append(cols)
                centroid[np.unique(cols)] += 1.0
            ranks = np.zeros(n)
            for row, cols in enumerate(rows):
                if len(cols):
                    uniq, counts = np.unique(cols, return_counts=True)
                    norm_row = k1 * (1 - b + b * len(cols) / average)
                    w = idf[uniq] * counts * (k1 + 1) / (counts + norm_row)
                    ranks[row] = float(w @ centroid[uniq])
            self._ranks = _normalise(ranks)

    def rank_of(self, passage_id: int) -> float:
        return float(self._ranks[self._position[int(passage_id)]])

    def local_ranks(self, members: Sequence[int]) -> list[float]:
        """Centrality within ``members`` only (e.g. one section), normalised to a best of 1."""
        rows = [self._position[int(m)] for m in members]
        if self._similarity is None or len(rows) < 3:
            return [float(self._ranks[r]) for r in rows]
        sub = self._similarity[np.ix_(rows, rows)]
        return _normalise(_pagerank(sub)).tolist()


def _pagerank(similarity: np.ndarray) -> np.ndarray:
    n = similarity.shape[0]
    sums = similarity.sum(axis=1, keepdims=True)
    transition = np.where(sums > 0, similarity / np.where(sums > 0, sums, 1.0), 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(_ITERATIONS):
        updated = (1.0 - _DAMPING) / n + _DAMPING * (transition.T @ rank)
        if np.abs(updated - rank).sum() < 1e-9:
            return updated
        rank = updated
    return rank


def _normalise(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values
