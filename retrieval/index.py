"""BM25 over sentence passages: rank-bm25's BM25Okapi scores, from an impact index.

The scores are rank-bm25's (``BM25Okapi(tokens, k1=, b=, epsilon=).get_scores``: its idf
with the epsilon floor for negative idf, its length normalisation; a corpus of one or two
passages, where Okapi's idf is never positive, takes Lucene's idf); they are computed
from precomputed term impacts (retrieval/impact.py), so a question touches only the
postings of its own terms. tests/test_impact.py holds the two to equality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.corpus import Corpus, Passage
from retrieval.impact import ImpactIndex
from retrieval.progress import BuildProgress
from retrieval.terms import TermLists, TermMatrix, analyze_texts

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
    """BM25Okapi over a corpus's passages (one passage = one sentence)."""

    def __init__(
        self,
        *,
        corpus: Corpus,
        analyzer: Analyzer,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        epsilon: float = DEFAULT_EPSILON,
        progress: BuildProgress | None = None,
        matrix: TermMatrix | None = None,
        impact: ImpactIndex | None = None,
    ) -> None:
        """Analyse and index ``corpus``; ``matrix``/``impact`` skip that (from a cache)."""
        self.corpus = corpus
        self.analyzer = analyzer
        self.k1, self.b, self.epsilon = k1, b, epsilon
        if matrix is None:
            if progress is not None:
                progress.start("analysing passages", total=len(corpus))
            matrix = analyze_texts(
                analyzer, corpus.texts(), progress=progress.advance if progress else None
            )
        if len(matrix) != len(corpus):
            raise ValueError("index: term matrix does not match the corpus")
        if impact is None:
            impact = ImpactIndex.build(
                matrix, k1=k1, b=b, epsilon=epsilon, progress=progress.stage if progress else None
            )
        if impact.n_docs != len(corpus) or impact.idf.shape[0] != len(matrix.vocabulary):
            raise ValueError("index: impact index does not match the corpus")
        if progress is not None:
            progress.close()
        self.matrix = matrix
        self.impact = impact
        self.term_ids: dict[str, int] = {t: i for i, t in enumerate(matrix.vocabulary)}
        self.vocabulary: frozenset[str] = frozenset(self.term_ids)
        self.tokens: Sequence[list[str]] = TermLists(matrix)
        positive = impact.idf[impact.idf > 0]
        self.max_idf: float = float(positive.max()) if positive.shape[0] else 0.0

    def __len__(self) -> int:
        return len(self.corpus)

    def idf(self, term: str) -> float:
        """rank-bm25's idf of ``term`` (0 for a term the corpus lacks)."""
        tid = self.term_ids.get(term)
        return 0.0 if tid is None else float(self.impact.idf[tid])

    def passages_with(self, term: str) -> np.ndarray:
        """Ids of the passages that hold ``term``, ascending (a view of its postings)."""
        tid = self.term_ids.get(term)
        if tid is None:
            return np.empty(0, dtype=np.int64)
        offsets = self.impact.term_offsets
        return self.impact.post_ids[int(offsets[tid]) : int(offsets[tid + 1])]

    def _query(self, terms: Sequence[str]) -> list[int]:
        ids = self.term_ids
        return [ids[t] for t in terms if t in ids]

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the (already analysed) query terms.

        Dense: costs a pass over all passages; prefer :meth:`top` and :meth:`scores_for`.
        """
        return self.impact.scores(self._query(terms))

    def scores_for(self, terms: Sequence[str], ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """BM25 scores of the passages ``ids`` only (same values as :meth:`scores`)."""
        return self.impact.scores_for(self._query(terms), np.asarray(ids, dtype=np.int64))

    def top(self, terms: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the ``k`` best passages with a positive score, best first.

        Exact; ties put the lower passage id first.
        """
        return self.impact.top(self._query(terms), k)

    def search(self, terms: Sequence[str], k: int = 5) -> list[ScoredPassage]:
        ids, scores = self.top(terms, k)
        return [ScoredPassage(self.corpus.passage(int(i)), float(s))
                for i, s in zip(ids, scores, strict=True)]
