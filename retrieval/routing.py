"""A folder of several documents: rank within each likely document on its own terms.

Word weights (idf) taken over a whole folder mislead the ranking inside one document:
across a folder of unrelated articles "Luther" is rare, so every sentence that names him
scores high, yet inside the article about him it is in almost every sentence and tells
them apart no better than "the". The reranker learned its weights one article at a time.
So for a question, the few documents that hold most of its words (BM25 over documents)
are each ranked by an answerer of their own, with their own statistics, and the results
are merged by the model's score plus the document's standardised score.
``benchmarks/pooled.py`` measures it on the 24 SQuAD tuning articles in one folder.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from retrieval.corpus import Corpus
from retrieval.index import BM25Index

if TYPE_CHECKING:
    from retrieval.answer import Answerer, Ranking

# Documents ranked per question, and the weight of a document's standardised BM25 score
# in the merge (chosen with benchmarks/pooled.py --grid; benchmarks/RESULTS.md, twelfth
# session).
ROUTED_DOCUMENTS = 4
DOCUMENT_WEIGHT = 1.0
# Routing builds an index per document on first use; above this many passages in all,
# the folder is ranked as one collection, as before.
MAX_ROUTED_PASSAGES = 20_000
DOCUMENT_ANSWERERS_KEPT = 64
# Only folders of documents on distinct topics are routed: parts of one article ranked
# apart lose 3-5 points of hit@1 (pooled.py --split), unrelated articles gain 4.
MIN_DISTINCTNESS = 0.25
_RECURRING = 3
# BM25 over documents, each a bag of its sentences: a term's frequency in a document is
# the number of its sentences holding it (Lucene's idf: positive for any document count).
_K1, _B = 1.2, 0.75


@dataclass(frozen=True)
class RoutedRanking:
    """Passage ids of the whole folder (best first), their merged scores, and the best
    passage's document: its answerer and its own ranking (document ids, the question's
    cosine with the best), which judge whether that document answers."""

    ids: np.ndarray
    scores: np.ndarray
    answerer: Answerer
    ranking: Ranking


class DocumentScores:
    """BM25 of each document for a question's terms, from the folder's passage postings."""

    def __init__(self, index: BM25Index) -> None:
        self._index = index
        doc_ids = index.corpus.doc_ids
        self.n_documents = len(index.corpus.documents)
        self._sentences = np.bincount(doc_ids, minlength=self.n_documents).astype(np.float64)
        self._mean_sentences = float(self._sentences.mean()) or 1.0

    def scores(self, terms: Sequence[str], factors: Sequence[float] | None = None) -> np.ndarray:
        """``factors``: each term's weight (1 by default; a follow-up's earlier words
        weigh less, :func:`retrieval.features.question_profile`)."""
        index, impact = self._index, self._index.impact
        doc_ids = index.corpus.doc_ids
        norm = _K1 * (1.0 - _B + _B * self._sentences / self._mean_sentences)
        out = np.zeros(self.n_documents)
        weights = dict(zip(terms, factors if factors is not None else [1.0] * len(terms),
                           strict=True))
        for term, factor in weights.items():
            tid = index.term_ids.get(term)
            if tid is None:
                continue
            a, z = int(impact.term_offsets[tid]), int(impact.term_offsets[tid + 1])
            held = np.bincount(doc_ids[impact.post_ids[a:z]], minlength=self.n_documents)
            holding = int(np.count_nonzero(held))
            idf = math.log(1.0 + (self.n_documents - holding + 0.5) / (holding + 0.5))
            out += factor * idf * held * (_K1 + 1.0) / (held + norm)
        return out


class DocumentRouter:
    """Ranks a question within the :data:`ROUTED_DOCUMENTS` best documents of a folder,
    each by an answerer over that document alone (built on first use, the most recently
    used :data:`DOCUMENT_ANSWERERS_KEPT` kept), and merges their rankings."""

    def __init__(
        self,
        *,
        index: BM25Index,
        answerer_for: Callable[[BM25Index, int], Answerer],
        documents: int = ROUTED_DOCUMENTS,
        weight: float = DOCUMENT_WEIGHT,
        kept: int = DOCUMENT_ANSWERERS_KEPT,
    ) -> None:
        """``answerer_for(index, start)``: an answerer for one document's own ``index``,
        whose passage ``i`` is the folder's passage ``start + i``."""
        if documents < 1 or kept < 1:
            raise ValueError("routing needs at least one document and one kept answerer")
        self._index = index
        self._answerer_for = answerer_for
        self.documents = documents
        self.weight = weight
        self._kept = kept
        self._scores = DocumentScores(index)
        doc_ids = index.corpus.doc_ids
        self._starts = np.searchsorted(doc_ids, np.arange(self._scores.n_documents + 1))
        self._answerers: OrderedDict[int, Answerer] = OrderedDict()
        self._lock = threading.Lock()

    def rank(self, question: str, terms: Sequence[str], *,
             factors: Sequence[float] | None = None,
             context: str | None = None) -> RoutedRanking | None:
        """``terms`` (with ``factors``, see :meth:`DocumentScores.scores`) choose the
        documents. None when no document holds any of them (the folder's own ranking may
        still find a section heading that does)."""
        scores = self._scores.scores(terms, factors)
        order = np.argsort(-scores, kind="stable")[: self.documents]
        order = order[scores[order] > 0]
        if not len(order):
            return None
        spread = float(scores.std())
        prior = (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)
        ids: list[np.ndarray] = []
        merged: list[np.ndarray] = []
        ranked: list[tuple[Answerer, Ranking]] = []
        for d in order.tolist():
            answerer = self.answerer(d)
            ranking = answerer.rank(question, context=context)
            if not len(ranking.ids):
                continue
            ids.append(ranking.ids + int(self._starts[d]))
            merged.append(ranking.scores + self.weight * float(prior[d]))
            ranked.append((answerer, ranking))
        if not ids:
            return None
        all_ids, all_scores = np.concatenate(ids), np.concatenate(merged)
        best = np.argsort(-all_scores, kind="stable")
        # The best merged passage is the best of its document's ranking.
        heads = np.cumsum([0] + [len(i) for i in ids[:-1]])
        answerer, ranking = ranked[int(np.flatnonzero(heads == best[0])[0])]
        return RoutedRanking(all_ids[best], all_scores[best], answerer, ranking)

    def answerer(self, document: int) -> Answerer:
        with self._lock:
            found = self._answerers.get(document)
            if found is not None:
                self._answerers.move_to_end(document)
                return found
            corpus = self._index.corpus
            own = BM25Index(corpus=Corpus([corpus.documents[document]]),
                            analyzer=self._index.analyzer, k1=self._index.k1,
                            b=self._index.b, epsilon=self._index.epsilon)
            made = self._answerer_for(own, int(self._starts[document]))
            self._answerers[document] = made
            if len(self._answerers) > self._kept:
                self._answerers.popitem(last=False)
            return made


def routes(index: BM25Index) -> bool:
    """Whether a folder is ranked document by document: several documents on distinct
    topics (:func:`distinctness`), and few enough passages in all to index each
    document again."""
    corpus = index.corpus
    return (len(corpus.documents) > 1 and len(corpus) <= MAX_ROUTED_PASSAGES
            and distinctness(index) >= MIN_DISTINCTNESS)


def distinctness(index: BM25Index) -> float:
    """How much the folder's recurring words keep to one document each: over words in
    at least :data:`_RECURRING` sentences, weighted by that count, the concentration
    (sum of squared shares) of a word's sentences over the documents, less the
    concentration the documents' sizes alone would give. About 0.3 for unrelated
    articles; 0.1-0.24 for parts of one article (benchmarks/RESULTS.md)."""
    impact, doc_ids = index.impact, index.corpus.doc_ids
    n_documents = len(index.corpus.documents)
    sizes = np.bincount(doc_ids, minlength=n_documents).astype(np.float64)
    by_size = float(((sizes / sizes.sum()) ** 2).sum())
    lengths = np.diff(impact.term_offsets)
    terms = np.repeat(np.arange(lengths.shape[0], dtype=np.int64), lengths)
    pairs, held = np.unique(terms * n_documents + doc_ids[impact.post_ids], return_counts=True)
    totals = np.bincount(terms, minlength=lengths.shape[0]).astype(np.float64)
    owner = pairs // n_documents
    squares = np.bincount(owner, weights=(held / totals[owner]) ** 2,
                          minlength=lengths.shape[0])
    recurring = totals >= _RECURRING
    if not recurring.any():
        return 0.0
    weights = totals[recurring]
    return float((weights * (squares[recurring] - by_size)).sum() / weights.sum())
