"""Exact BM25 (rank-bm25's BM25Okapi) from precomputed term impacts, in numpy.

For every (term, passage) pair the index stores the term's whole BM25 contribution
``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``, computed with the same
operations in the same order as rank-bm25, so a passage's score is the sum of its
query terms' impacts: bit for bit what ``BM25Okapi.get_scores`` returns.

A query touches only its own terms' postings. Postings are kept twice: by passage id
(exact lookups) and by falling impact (float32, for pruning). :meth:`ImpactIndex.top`
takes the exact scores of each list's head as a floor under the k-th best score, then
scores exactly every passage that could reach it: thresholds per list whose weighted
sum is that floor (short lists read whole, MaxScore-style skipping of lists that cannot
matter on their own, the rest in proportion to their maxima). When that would still
look up too many passages it accumulates the whole postings instead. Ties rank lower
ids first, as a stable sort of rank-bm25's scores would.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.terms import TermMatrix

INDEX_ARRAYS = (
    "idf", "term_offsets", "post_ids", "post_weights", "order_ids", "order_neg_weights",
)
_HEAD = 32  # entries read from each impact-sorted list for the first bound
_HEADS = (_HEAD,)  # rounds of heads tried for that bound
_RATIO = 3  # prune when candidates x terms x _RATIO <= postings (lookups cost more)
_SLACK = 1e-6  # float32 impacts and float sums: include a little more, never less


class ImpactIndex:
    """Postings of precomputed BM25 impacts for ``n_docs`` token lists."""

    def __init__(
        self,
        *,
        n_docs: int,
        idf: np.ndarray,
        term_offsets: np.ndarray,
        post_ids: np.ndarray,
        post_weights: np.ndarray,
        order_ids: np.ndarray,
        order_neg_weights: np.ndarray,
    ) -> None:
        v = int(idf.shape[0])
        p = int(post_ids.shape[0])
        if term_offsets.shape != (v + 1,) or (v and int(term_offsets[-1]) != p):
            raise ValueError("impact index: term offsets do not match the postings")
        for name, arr in (("post_weights", post_weights), ("order_ids", order_ids),
                          ("order_neg_weights", order_neg_weights)):
            if arr.shape != (p,):
                raise ValueError(f"impact index: {name} has shape {arr.shape}, want ({p},)")
        if p and (int(post_ids.min()) < 0 or int(post_ids.max()) >= n_docs):
            raise ValueError("impact index: passage ids out of range")
        self.n_docs = n_docs
        self.idf = idf
        self.term_offsets = term_offsets
        self.post_ids = post_ids
        self.post_weights = post_weights
        self.order_ids = order_ids
        self.order_neg_weights = order_neg_weights
        self._buffer: np.ndarray | None = None
        self._lock = threading.Lock()

    # --- building -------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        matrix: TermMatrix,
        *,
        k1: float,
        b: float,
        epsilon: float,
        progress: Callable[[str], None] | None = None,
    ) -> ImpactIndex:
        n = len(matrix)
        vocab_size = len(matrix.vocabulary)
        doc_len = np.diff(matrix.offsets)
        total = int(matrix.offsets[-1]) if n else 0
        if n == 0 or total == 0 or vocab_size == 0:
            empty_i = np.zeros(0, dtype=np.int32)
            return cls(n_docs=n, idf=np.zeros(vocab_size), term_offsets=np.zeros(
                vocab_size + 1, dtype=np.int64), post_ids=empty_i, post_weights=np.zeros(0),
                order_ids=empty_i, order_neg_weights=np.zeros(0, dtype=np.float32))
        if progress:
            progress("sorting postings")
        docs = np.repeat(np.arange(n, dtype=np.int64), doc_len)
        key = matrix.term_ids.astype(np.int64) * n + docs
        del docs
        key.sort()
        first = np.empty(key.shape[0], dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        del first
        # Counts as int32: each converts exactly to float64 in the formula below.
        tf = np.diff(np.append(starts, key.shape[0])).astype(np.int32)
        key = key[starts]
        del starts
        terms64 = key // n
        post_ids = (key - terms64 * n).astype(np.int32)
        del key
        terms = terms64.astype(np.int32)
        del terms64
        df = np.bincount(terms, minlength=vocab_size)
        term_offsets = np.zeros(vocab_size + 1, dtype=np.int64)
        np.cumsum(df, out=term_offsets[1:])
        idf = _okapi_idf(df, n, epsilon)
        if progress:
            progress("computing impacts")
        avgdl = total / n  # Python ints, as rank-bm25 divides them
        dl = doc_len.astype(np.int32)[post_ids]
        norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
        pair = tf.astype(np.int64) * (int(dl.max()) + 1) + dl
        del tf, dl
        weights = idf[terms] * norm
        if progress:
            progress("ordering postings by impact")
        order = _impact_order(terms, pair, norm, idf)
        del pair, norm, terms
        order_ids = post_ids[order]
        order_neg = (-weights[order]).astype(np.float32)
        del order
        return cls(n_docs=n, idf=idf, term_offsets=term_offsets, post_ids=post_ids,
                   post_weights=weights, order_ids=order_ids, order_neg_weights=order_neg)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in INDEX_ARRAYS}

    # --- queries (terms are ids; repeats count again, as in rank-bm25) -----------------

    def scores(self, query: Sequence[int]) -> np.ndarray:
        """Dense scores of every passage (rank-bm25's ``get_scores``)."""
        out = np.zeros(self.n_docs)
        for t in query:
            a, z = self._span(t)
            out[self.post_ids[a:z]] += self.post_weights[a:z]
        return out

    def scores_for(self, query: Sequence[int], ids: np.ndarray) -> np.ndarray:
        """Scores of the passages ``ids`` only (any order, repeats allowed)."""
        # As the postings' own int32 (ids are below n_docs): searchsorted then compares
        # without converting a whole postings list per term.
        ids = np.asarray(ids, dtype=self.post_ids.dtype)
        out = np.zeros(ids.shape[0])
        contributions: dict[int, np.ndarray] = {}
        for t in query:
            part = contributions.get(t)
            if part is None:
                part = contributions[t] = self._lookup(t, ids)
            out += part
        return out

    def top(self, query: Sequence[int], k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best passages with a positive score, best first (ids, scores)."""
        query = [int(t) for t in query]
        if k <= 0 or not query:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        unique = list(dict.fromkeys(query))
        spans = [self._span(t) for t in unique]
        lengths = [z - a for a, z in spans]
        total = sum(lengths)
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        uppers = [-float(self.order_neg_weights[a]) if z > a else 0.0 for a, z in spans]
        if total > 4 * _HEAD * len(unique) and min(uppers) > 0:
            pruned = self._top_pruned(query, unique, spans, uppers, k, total)
            if pruned is not None:
                return pruned
        return self._top_exhaustive(query, unique, spans, k)

    # --- internals ----------------------------------------------------------------------

    def _span(self, term: int) -> tuple[int, int]:
        return int(self.term_offsets[term]), int(self.term_offsets[term + 1])

    def _lookup(self, term: int, ids: np.ndarray) -> np.ndarray:
        a, z = self._span(term)
        if z == a or ids.shape[0] == 0:
            return np.zeros(ids.shape[0])
        postings = self.post_ids[a:z]
        pos = np.searchsorted(postings, ids)
        np.minimum(pos, z - a - 1, out=pos)
        hit = postings[pos] == ids
        return np.where(hit, self.post_weights[a:z][pos], 0.0)

    def _top_pruned(
        self,
        query: list[int],
        unique: list[int],
        spans: list[tuple[int, int]],
        uppers: list[float],
        k: int,
        total: int,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        counts = dict.fromkeys(query, 0)
        for t in query:
            counts[t] += 1
        mult = [counts[t] for t in unique]
        for head in [max(h, k) for h in _HEADS]:  # k heads at least: k exact scores
            # A lower bound on the k-th best score: exact scores of each list's head.
            heads = [self.order_ids[a : min(z, a + head)] for a, z in spans]
            seen = _unique(np.concatenate(heads)).astype(np.int64)
            seen_scores = self.scores_for(query, seen)
            positive = seen_scores[seen_scores > 0]
            if positive.shape[0] < k:
                return None
            theta = float(np.partition(positive, positive.shape[0] - k)[positive.shape[0] - k])
            prefixes = self._prefixes(spans, uppers, mult, theta)
            size = sum(prefixes)
            if size * len(spans) * _RATIO <= total:
                parts = [self.order_ids[a : a + n]
                         for (a, _), n in zip(spans, prefixes, strict=True)]
                candidates = _unique(np.concatenate(parts)).astype(np.int64)
                return _best(candidates, self.scores_for(query, candidates), k)
        return None

    def _prefixes(
        self, spans: list[tuple[int, int]], uppers: list[float], mult: list[int], theta: float
    ) -> list[int]:
        """How much of each impact-sorted list can hold a passage scoring theta or more.

        Any thresholds tau_i with sum(m_i * tau_i) <= theta will do: a passage below
        tau_i in every list i scores under theta. Lists read whole cost their length
        (tau 0: the shortest ones); a list whose maximum fits in what is left is skipped
        (tau above its maximum, as in MaxScore); the rest share the remaining budget in
        proportion to their maxima. The cheapest of these splits is kept.
        """
        lengths = [z - a for a, z in spans]
        by_length = sorted(range(len(spans)), key=lambda i: lengths[i])
        best: list[int] = lengths
        for whole in range(len(spans) + 1):
            sizes = [0] * len(spans)
            for i in by_length[:whole]:
                sizes[i] = lengths[i]
            rest = sorted(by_length[whole:], key=lambda i: uppers[i])
            budget = theta
            essential = list(rest)
            for i in rest:
                above = uppers[i] * (1 + _SLACK)
                if mult[i] * above >= budget:
                    break
                budget -= mult[i] * above
                essential.remove(i)
            share = sum(mult[i] * uppers[i] for i in essential)
            for i in essential:
                a, z = spans[i]
                tau = budget * uppers[i] / share * (1 - _SLACK)
                sizes[i] = int(np.searchsorted(self.order_neg_weights[a:z], -tau, side="right"))
            if sum(sizes) < sum(best):
                best = sizes
        return best

    def _top_exhaustive(
        self, query: list[int], unique: list[int], spans: list[tuple[int, int]], k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # Postings in query order (a repeated term counts again, as in rank-bm25).
        in_order = spans if len(query) == len(unique) else [self._span(t) for t in query]
        # As intp: numpy's scatter and gather convert int32 indices on every pass.
        ids_in_order = np.concatenate([self.post_ids[a:z] for a, z in in_order]).astype(np.intp)
        touched = ids_in_order if in_order is spans else np.concatenate(
            [self.post_ids[a:z] for a, z in spans]).astype(np.intp)
        head = max(_HEAD, k)
        heads = _unique(np.concatenate([self.order_ids[a : min(z, a + head)]
                                        for a, z in spans]))
        with self._lock:
            if self._buffer is None:
                self._buffer = np.zeros(self.n_docs)
            acc = self._buffer
            try:
                # One unbuffered pass in query order: each passage's impacts are added in
                # the same order as rank-bm25 adds them (so the same sums), without the
                # gather-add-scatter of ``acc[ids] += weights`` per term.
                np.add.at(acc, ids_in_order,
                          np.concatenate([self.post_weights[a:z] for a, z in in_order]))
                values = acc[touched]
                head_scores = acc[heads]
            finally:
                acc[touched] = 0.0
        # Exact scores of a few passages give a floor under the k-th best score, so one
        # comparison keeps only the passages that can make the top k.
        head_scores = head_scores[head_scores > 0]
        if head_scores.shape[0] >= k:
            floor = float(np.partition(head_scores, head_scores.shape[0] - k)[
                head_scores.shape[0] - k])
            chosen = np.flatnonzero(values >= floor)
        else:
            chosen = np.flatnonzero(values > 0)
        # A passage appears at most once per distinct term, so the (k x terms)-th best of
        # these values is at most the k-th best passage's score: a tighter floor when
        # the heads' one let many through (one linear-time partition).
        # The same holds for the (k x terms)-th best of any subset of them, so a strided
        # sample of ~32 x (k x terms) values gives a floor first (a small partition),
        # and only what passes it is partitioned in full.
        many = k * len(spans)
        if chosen.shape[0] > 8 * many:
            kept = values[chosen]
            stride = kept.shape[0] // (32 * many)
            if stride > 1:
                sample = kept[::stride]
                cut = sample.shape[0] - many
                passed = kept >= float(np.partition(sample, cut)[cut])
                chosen, kept = chosen[passed], kept[passed]
            if chosen.shape[0] > 8 * many:
                cut = kept.shape[0] - many
                chosen = chosen[kept >= float(np.partition(kept, cut)[cut])]
        ids = touched[chosen]
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        first = _first_of_runs(ids)
        return _best(ids[first].astype(np.int64), values[chosen][order[first]], k)

def _first_of_runs(sorted_values: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal values."""
    mask = np.empty(sorted_values.shape[0], dtype=bool)
    mask[:1] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=mask[1:])
    return mask


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique imports numpy.ma on first use: 20+ ms)."""
    values = np.sort(values)
    return values[_first_of_runs(values)]


def _best(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` positive scores, best first, lower id first on ties (ids ascending)."""
    keep = scores > 0
    if k > 0 and scores.shape[0] > 4 * k:  # only the k best and their ties need sorting
        cut = scores.shape[0] - k
        keep &= scores >= float(np.partition(scores, cut)[cut])
    ids, scores = ids[keep], scores[keep]
    order = np.argsort(-scores, kind="stable")[:k]
    return ids[order], scores[order]


def _okapi_idf(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """rank-bm25's BM25Okapi idf: log((n - df + .5) / (df + .5)), negatives floored.

    ``math.log`` per distinct df (as rank-bm25 does), summed in first-appearance order.
    In a corpus of one or two passages every term is in half of them or more, so that
    leaves no term a positive idf and nothing could be found: such a corpus takes
    Lucene's idf instead, log(1 + (n - df + .5) / (df + .5)), positive for every term.
    """
    values, inverse = np.unique(df, return_inverse=True)
    table = np.array([math.log(n - f + 0.5) - math.log(f + 0.5) for f in values.tolist()])
    idf = table[inverse].reshape(-1)
    average = float(np.cumsum(idf)[-1]) / idf.shape[0]
    idf[idf < 0] = epsilon * average
    if n <= 2:
        lucene = np.array([math.log1p((n - f + 0.5) / (f + 0.5)) for f in values.tolist()])
        idf = lucene[inverse].reshape(-1)
    return idf


def _impact_order(
    terms: np.ndarray, pair: np.ndarray, norm: np.ndarray, idf: np.ndarray
) -> np.ndarray:
    """Permutation of postings: by term, then by falling impact ``idf[term] * norm``.

    ``norm`` depends only on ``pair`` (tf and length, few distinct values): rank the
    pairs by norm once, then sort postings by one integer key.
    """
    values, slot = _distinct(pair)
    holder = np.zeros(values.shape[0], dtype=np.int64)
    holder[slot] = np.arange(slot.shape[0])  # some posting holding each distinct pair
    span = int(values.shape[0])
    rank_of_slot = np.empty(span, dtype=np.int64)
    rank_of_slot[np.argsort(norm[holder], kind="stable")] = np.arange(span)
    del holder
    key = rank_of_slot[slot]
    del slot
    rising = idf[terms] <= 0  # a non-positive idf reverses the order of its impacts
    np.subtract(span - 1, key, out=key, where=~rising)
    key += terms.astype(np.int64) * span
    return np.argsort(key)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each element's index among them (np.unique, faster)."""
    top = int(values.max())
    if top > 4 * values.shape[0] + 4096:  # sparse range: sort instead of counting
        distinct, inverse = np.unique(values, return_inverse=True)
        return distinct, inverse.reshape(-1)
    present = np.flatnonzero(np.bincount(values))
    index = np.zeros(top + 1, dtype=np.int64)
    index[present] = np.arange(present.shape[0])
    return present, index[values]
