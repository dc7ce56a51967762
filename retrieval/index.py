"""BM25 over sentence passages, defined by rank-bm25's BM25Okapi."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.corpus import Corpus, Passage

# Chosen on the SQuAD tuning set (benchmarks/RESULTS.md): short sentences want
# little length normalisation.
DEFAULT_K1 = 1.2
DEFAULT_B = 0.3
DEFAULT_EPSILON = 0.25


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float


class BM25Index:
    """A rank-bm25 BM25Okapi index over a corpus's passages."""

    def __init__(
        self,
        *,
        corpus: Corpus,
        analyzer: Analyzer,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        epsilon: float = DEFAULT_EPSILON,
    ) -> None:
        from rank_bm25 import BM25Okapi

        self.corpus = corpus
        self.analyzer = analyzer
        self.tokens: list[list[str]] = [analyzer.terms(text) for text in corpus.texts()]
        # rank-bm25 divides by the corpus size and average length; keep both non-zero.
        safe = [t if t else ["\x00"] for t in self.tokens]
        self._bm25 = BM25Okapi(safe, k1=k1, b=b, epsilon=epsilon)
        self.vocabulary: frozenset[str] = frozenset(self._bm25.idf)

    def __len__(self) -> int:
        return len(self.corpus)

    def idf(self, term: str) -> float:
        return float(self._bm25.idf.get(term, 0.0))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the (already analysed) query terms."""
        known = [t for t in terms if t in self.vocabulary]
        if not known:
            return np.zeros(len(self.corpus))
        return np.asarray(self._bm25.get_scores(known), dtype=np.float64)

    def scores_for(self, terms: Sequence[str], ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """BM25 scores of the passages ``ids`` only (same values as :meth:`scores`)."""
        known = [t for t in terms if t in self.vocabulary]
        if not known or len(ids) == 0:
            return np.zeros(len(ids))
        return np.asarray(self._bm25.get_batch_scores(known, list(map(int, ids))))

    def top(self, terms: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the ``k`` best passages with a positive score, best first."""
        scores = self.scores(terms)
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int64), scores[top]

    def search(self, terms: Sequence[str], k: int = 5) -> list[ScoredPassage]:
        ids, scores = self.top(terms, k)
        return [ScoredPassage(self.corpus.passage(int(i)), float(s)) for i, s in zip(ids, scores)]
