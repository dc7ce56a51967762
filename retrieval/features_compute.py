"""The feature matrix of a question's candidate sentences, vectorised over the candidates.

Inputs are a candidate set (see :func:`retrieval.features.expand_candidates`) and the
sentences around them (:func:`retrieval.features.context_window`); the paragraph
features are computed over that window only, never over the whole corpus.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.answer_type import QuestionType, wanted_kind
from retrieval.features import _FAR, PassageInfo, QuestionProfile, question_hits
from retrieval.features_window import RM3_TERMS, WindowInputs
from retrieval.window import Window

_QTYPES = tuple(QuestionType)

FEATURE_NAMES: tuple[str, ...] = (
    "bm25", "bm25_rel", "bm25_rank", "prev_rel", "next_rel", "with_prev_rel",
    "para_max_rel", "para_bm25_rel", "para_cov", "para_decay_rel", "para_rank",
    "best_in_para", "cov", "cov_with_prev", "matched", "bm25_b0_rel",
    "word_cov", "word_cov_with_prev", "word_cov_para", "prefix_cov", "prefix_cov_para",
    "gram_cov", "gram_cov_with_prev", "gram_cov_para", "rm3_rel", "novel_frac", "length",
    "position", "novel_number", "novel_date", "novel_name", "dist_number", "dist_date",
    "dist_name", "wanted_present", "wanted_dist", "n_terms",
    *(f"q_{t.name.lower()}" for t in _QTYPES),
    "name_cov", "name_cov_with_prev", "name_cov_para",
)


def _sat(tf: np.ndarray, k1: float) -> np.ndarray:
    return tf * (k1 + 1.0) / (tf + k1)


def _rel(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _rank(values: np.ndarray) -> np.ndarray:
    """Place of each value in falling order, ties by position (a stable sort)."""
    n = len(values)
    if n <= 32:  # a list sort beats four numpy calls for a few values
        listed = values.tolist()
        ranks = [0.0] * n
        # reverse=True keeps equal values in their order, as a stable sort of -value does
        for place, i in enumerate(sorted(range(n), key=listed.__getitem__, reverse=True)):
            ranks[i] = float(place)
        return np.array(ranks)
    order = np.argsort(-values, kind="stable")
    out = np.empty(n)
    out[order] = np.arange(n)
    return out


def _type_features(
    info: PassageInfo, qwords: frozenset[str], terms: frozenset[str], want: int
) -> list[float]:
    """Novel number/date/name tokens and their distance to the matched question words."""
    # Token positions of the question's terms, found by C-level scans of the stems.
    stems, counts = info.stems, info.stem_counts
    matched: list[int] = []
    for term in terms:
        at = -1
        for _ in range(counts.get(term, 0)):
            at = stems.index(term, at + 1)
            matched.append(at)
    matched.sort()
    novel_number = novel_date = novel_name = wanted_present = 0.0
    dist_number = dist_date = dist_name = wanted_dist = _FAR
    for j, kind, word, stem in info.typed:
        if (stem is not None and stem in terms) or word in qwords:
            continue
        if matched:
            at = bisect_left(matched, j)
            if at == 0:
                dist = float(matched[0] - j)
            elif at == len(matched):
                dist = float(j - matched[-1])
            else:
                dist = float(min(j - matched[at - 1], matched[at] - j))
        else:
            dist = _FAR
        if kind & 1:
            novel_number = 1.0
            dist_number = min(dist_number, dist)
        if kind & 2:
            novel_date = 1.0
            dist_date = min(dist_date, dist)
        if kind & 4:
            novel_name = 1.0
            dist_name = min(dist_name, dist)
        if kind & want:
            wanted_present = 1.0
            wanted_dist = min(wanted_dist, dist)
    novel_frac = (info.content - len(matched)) / (info.content or 1)
    return [novel_frac, float(len(info.tokens)), novel_number, novel_date, novel_name,
            dist_number, dist_date, dist_name, wanted_present, wanted_dist]


def _name_coverage(
    q: QuestionProfile, tf: np.ndarray, tf_prev: np.ndarray, tf_para: np.ndarray
) -> np.ndarray:
    """The share of the question's names (:attr:`QuestionProfile.names`) held by each
    candidate, by it with its previous sentence, and by its paragraph (3 x candidates);
    -1 when the question names nothing."""
    if not q.names:
        return np.full((3, tf.shape[0]), -1.0)
    mask = np.array([t in q.names for t in q.terms], dtype=float) / len(q.names)
    return np.array([(tf > 0) @ mask, ((tf + tf_prev) > 0) @ mask, (tf_para > 0) @ mask])


def _pad(values: np.ndarray) -> np.ndarray:
    """``values`` with one more row of zeros (the index of a missing neighbour)."""
    return np.concatenate([values, np.zeros((1, *values.shape[1:]))])


class PassageInputs:
    """The per-window inputs of :func:`feature_matrix` from per-passage analyses."""

    def __init__(self, q: QuestionProfile, infos: Sequence[PassageInfo],
                 idf: Callable[[str], float]) -> None:
        self._q, self._infos, self._idf = q, infos, idf
        terms = q.terms
        n_win = len(infos)
        self.tf = np.array([[info.stem_counts.get(t, 0) for t in terms] for info in infos],
                           dtype=float).reshape(n_win, len(terms))
        qw = q.words
        pref_keys = list(q.prefixes)
        qw_set, pref_set = frozenset(qw), frozenset(pref_keys)
        hits = [question_hits(info, qw_set, pref_set, q.grams) for info in infos]
        self.words = np.array([[x in found for x in qw] for found, _, _ in hits],
                              dtype=float).reshape(n_win, len(qw))
        self.prefs = np.array([[p in found for p in pref_keys] for _, found, _ in hits],
                              dtype=float).reshape(n_win, len(pref_keys))
        self._gram_sets = [found for _, _, found in hits]

    def gram_counts(
        self, start_list: list[int], ends: list[int], pos_list: list[int], prev_list: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct question grams per paragraph, per candidate with its previous
        sentence, per candidate."""
        gram_sets = self._gram_sets
        n_win = len(gram_sets)
        para_grams = np.array([len(frozenset().union(*gram_sets[a:b]))
                               for a, b in zip(start_list, ends, strict=True)], dtype=float)
        gram_prev = np.array([
            len(gram_sets[p] | gram_sets[pv]) if pv < n_win else len(gram_sets[p])
            for p, pv in zip(pos_list, prev_list, strict=True)
        ], dtype=float)
        grams = np.array([len(gram_sets[p]) for p in pos_list], dtype=float)
        return para_grams, gram_prev, grams

    def rm3(self, lo: int, hi: int, pos_list: list[int]) -> np.ndarray:
        """RM3-style expansion from window passages ``lo:hi``, per candidate."""
        infos, idf = self._infos, self._idf
        term_set = frozenset(self._q.terms)
        counts: dict[str, int] = {}
        for info in infos[lo:hi]:
            for term, c in info.stem_counts.items():
                if term not in term_set:
                    counts[term] = counts.get(term, 0) + c
        weighted = sorted(((c * idf(t), t) for t, c in counts.items()),
                          reverse=True)[:RM3_TERMS]
        expansion = {t: wt for wt, t in weighted}
        return np.array([
            sum(wt for t, wt in expansion.items() if t in infos[p].stem_counts)
            for p in pos_list
        ], dtype=float)

    def types(self, pos_list: list[int]) -> np.ndarray:
        """The 10 columns of :func:`_type_features`, per candidate (10 x candidates)."""
        q, infos = self._q, self._infos
        want = wanted_kind(q.qtype)
        term_set = frozenset(q.terms)
        rows = [_type_features(infos[p], q.all_words, term_set, want) for p in pos_list]
        return np.array(rows, dtype=float).reshape(len(pos_list), 10).T


def feature_matrix(
    q: QuestionProfile,
    candidates: np.ndarray,
    window: np.ndarray,
    window_scores: np.ndarray,
    infos: Sequence[PassageInfo] | Window,
    paragraph_keys: np.ndarray,
    idf: Callable[[str], float],
) -> np.ndarray:
    """One row per candidate, columns :data:`FEATURE_NAMES`.

    ``infos``: the window passages' analyses, or the window as token ids
    (:class:`retrieval.window.Window`, for large windows: the same values by numpy).
    Candidates are few (tens), so the bookkeeping (paragraph groups, neighbours) is done
    on Python lists and the arithmetic in a few numpy operations over all candidates.
    """
    inputs: PassageInputs | WindowInputs = (
        WindowInputs(q, infos, idf) if isinstance(infos, Window)
        else PassageInputs(q, infos, idf)
    )
    w = q.weights
    wsum = float(w.sum()) or 1.0
    terms = q.terms
    n_win = len(window)
    n_cand = len(candidates)
    window_list = window.tolist()
    cand_list = candidates.tolist()
    at = {pid: i for i, pid in enumerate(window_list)}
    pos_list = [at[c] for c in cand_list]
    pos = np.array(pos_list, dtype=np.intp)
    # Per window sentence, plus a last row of zeros (the index of a missing neighbour).
    tf = inputs.tf
    tf_pad = _pad(tf)
    words = inputs.words
    words_pad = _pad(words)
    pref_keys = list(q.prefixes)
    pref_w = np.array([q.prefixes[p] for p in pref_keys])
    prefs = inputs.prefs
    n_grams = float(len(q.grams)) or 1.0

    # Paragraph groups of the (sorted) window: runs of equal paragraph keys.
    key_list = paragraph_keys[window].tolist()
    group_list = [0] * n_win
    start_list = [0]
    for i in range(1, n_win):
        if key_list[i] != key_list[i - 1]:
            start_list.append(i)
        group_list[i] = len(start_list) - 1
    starts = np.array(start_list, dtype=np.intp)
    group = np.array(group_list, dtype=np.intp)
    para_tf = np.add.reduceat(tf, starts, axis=0)
    para_words = np.add.reduceat(words, starts, axis=0) > 0
    para_prefs = np.add.reduceat(prefs, starts, axis=0) > 0
    para_max = np.maximum.reduceat(window_scores, starts)
    para_bm25 = _sat(para_tf, 1.2) @ w
    para_cov = (para_tf > 0) @ w / wsum
    ends = start_list[1:] + [n_win]

    # Neighbours inside the window (index n_win = a row of zeros).
    prev_list = [
        p - 1 if p > 0 and window_list[p - 1] == c - 1 and group_list[p - 1] == group_list[p]
        else n_win
        for p, c in zip(pos_list, cand_list, strict=True)
    ]
    last = n_win - 1
    next_list = [
        p + 1 if p < last and window_list[p + 1] == c + 1 and group_list[p + 1] == group_list[p]
        else n_win
        for p, c in zip(pos_list, cand_list, strict=True)
    ]
    prev = np.array(prev_list, dtype=np.intp)
    nxt = np.array(next_list, dtype=np.intp)
    s_pad = _pad(window_scores)

    s = window_scores[pos]
    top = s.max() if n_cand else 0.0
    smax = float(top) if n_cand and top > 0 else 1.0
    g = group[pos]
    tf_c = tf[pos]
    hit = tf_c > 0
    cov = hit @ w / wsum
    cov_prev = ((tf_c + tf_pad[prev]) > 0) @ w / wsum
    ww = q.word_weights
    wwsum = float(ww.sum()) or 1.0
    words_c = words[pos]
    word_cov = words_c @ ww / wwsum
    word_cov_prev = ((words_c + words_pad[prev]) > 0) @ ww / wwsum
    pwsum = float(pref_w.sum()) or 1.0
    para_grams, gram_prev, grams = inputs.gram_counts(start_list, ends, pos_list, prev_list)

    # Decayed sum of sentence scores over the paragraph (window), rows = candidates.
    dist = np.abs(pos[:, None] - np.arange(n_win)[None, :])
    decay = np.where(group[None, :] == g[:, None], 0.5 ** dist, 0.0) @ window_scores

    # RM3-style expansion from the single best paragraph of the window.
    best = int(np.argmax(para_bm25)) if len(para_bm25) else 0
    lo, hi = start_list[best], ends[best]
    rm3 = inputs.rm3(lo, hi, pos_list)
    type_cols = inputs.types(pos_list)
    para_start = np.searchsorted(paragraph_keys, paragraph_keys[candidates], side="left")
    qtype = np.zeros((len(_QTYPES), n_cand))
    qtype[int(q.qtype)] = 1.0
    # Paragraph-level values, gathered for the candidates in one step.
    para = np.array([
        _rel(para_max), _rel(para_bm25), para_cov, _rank(para_bm25), para_max,
        para_grams / n_grams,
    ])[:, g]
    neighbours = s_pad[np.concatenate([prev, nxt])].reshape(2, n_cand)
    scaled = np.array([s, neighbours[0], neighbours[1], s + 0.5 * neighbours[0]]) / smax

    columns = np.array([
        s, scaled[0], _rank(s), scaled[1], scaled[2], scaled[3],
        para[0], para[1], para[2], _rel(decay), para[3],
        (s >= para[4]), cov, cov_prev, hit.sum(axis=1),
        _rel(_sat(tf_c, 0.9) @ w), word_cov, word_cov_prev, para_words[g] @ ww / wwsum,
        prefs[pos] @ pref_w / pwsum, para_prefs[g] @ pref_w / pwsum,
        grams / n_grams, gram_prev / n_grams, para[5], _rel(rm3),
    ], dtype=float)
    position = (candidates - para_start).astype(float)
    n_terms = np.full(n_cand, float(len(terms)))
    blocks = [columns, type_cols[:2], position[None], type_cols[2:], n_terms[None], qtype,
              _name_coverage(q, tf_c, tf_pad[prev], para_tf[g])]
    return np.ascontiguousarray(np.concatenate(blocks).T)
