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
from retrieval.features import _FAR, PassageInfo, QuestionProfile

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
)
RM3_TERMS = 20


def _sat(tf: np.ndarray, k1: float) -> np.ndarray:
    return tf * (k1 + 1.0) / (tf + k1)


def _rel(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _rank(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def _type_features(info: PassageInfo, q: QuestionProfile, terms: frozenset[str]) -> list[float]:
    """Novel number/date/name tokens and their distance to the matched question words."""
    matched = sorted(p for t in terms if t in info.positions for p in info.positions[t])
    novel_kinds = [0.0, 0.0, 0.0]
    dists = [_FAR, _FAR, _FAR]
    qwords = q.all_words
    for j, kind, word, stem in info.typed:
        if (stem is not None and stem in terms) or word in qwords:
            continue
        if matched:
            at = bisect_left(matched, j)
            near = [abs(matched[i] - j) for i in (at - 1, at) if 0 <= i < len(matched)]
            dist = float(min(near))
        else:
            dist = _FAR
        for bit, slot in ((1, 0), (2, 1), (4, 2)):
            if kind & bit:
                novel_kinds[slot] = 1.0
                dists[slot] = min(dists[slot], dist)
    found = sum(len(info.positions[t]) for t in terms if t in info.positions)
    novel_frac = (info.content - found) / (info.content or 1)
    want = wanted_kind(q.qtype)
    wanted_present, wanted_dist = 0.0, _FAR
    for bit, slot in ((1, 0), (2, 1), (4, 2)):
        if want & bit and novel_kinds[slot]:
            wanted_present = 1.0
            wanted_dist = min(wanted_dist, dists[slot])
    return [novel_frac, float(len(info.words)), *novel_kinds, *dists, wanted_present, wanted_dist]


def feature_matrix(
    q: QuestionProfile,
    candidates: np.ndarray,
    window: np.ndarray,
    window_scores: np.ndarray,
    infos: Sequence[PassageInfo],
    paragraph_keys: np.ndarray,
    idf: Callable[[str], float],
) -> np.ndarray:
    """One row per candidate, columns :data:`FEATURE_NAMES`."""
    w = q.weights
    wsum = float(w.sum()) or 1.0
    terms = q.terms
    term_set = frozenset(terms)
    n_win = len(window)
    pos = np.searchsorted(window, candidates)
    tf = np.array([[info.stem_counts.get(t, 0) for t in terms] for info in infos], dtype=float)
    tf = tf.reshape(n_win, len(terms))
    words = np.array([[x in info.word_set for x in q.words] for info in infos], dtype=float)
    words = words.reshape(n_win, len(q.words))
    pref_keys = list(q.prefixes)
    pref_w = np.array([q.prefixes[p] for p in pref_keys])
    prefs = np.array([[p in info.prefixes for p in pref_keys] for info in infos], dtype=float)
    prefs = prefs.reshape(n_win, len(pref_keys))
    gram_sets = [q.grams & info.grams for info in infos]
    grams = np.array([len(g) for g in gram_sets], dtype=float)
    n_grams = float(len(q.grams)) or 1.0

    keys = paragraph_keys[window]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    group = np.cumsum(np.r_[True, keys[1:] != keys[:-1]]) - 1
    para_tf = np.add.reduceat(tf, starts, axis=0)
    para_words = np.add.reduceat(words, starts, axis=0) > 0
    para_prefs = np.add.reduceat(prefs, starts, axis=0) > 0
    para_max = np.maximum.reduceat(window_scores, starts)
    para_bm25 = _sat(para_tf, 1.2) @ w
    para_cov = (para_tf > 0) @ w / wsum
    para_grams = np.array([
        len(frozenset().union(*gram_sets[a:b]))
        for a, b in zip(starts, np.r_[starts[1:], n_win], strict=True)
    ], dtype=float)

    # Neighbours inside the window (index n_win = a row of zeros).
    prev = pos - 1
    prev_ok = (prev >= 0) & (window[np.maximum(prev, 0)] == candidates - 1)
    prev_ok &= group[np.maximum(prev, 0)] == group[pos]
    prev = np.where(prev_ok, prev, n_win)
    nxt = np.minimum(pos + 1, n_win - 1)
    nxt_ok = (window[nxt] == candidates + 1) & (group[nxt] == group[pos])
    nxt = np.where(nxt_ok, nxt, n_win)
    pad = lambda a: np.concatenate([a, np.zeros((1, *a.shape[1:]))])  # noqa: E731
    s_pad, tf_pad = pad(window_scores), pad(tf)
    words_pad = pad(words)

    s = window_scores[pos]
    smax = float(s.max()) if len(s) and s.max() > 0 else 1.0
    g = group[pos]
    cov = (tf[pos] > 0) @ w / wsum
    cov_prev = ((tf[pos] + tf_pad[prev]) > 0) @ w / wsum
    ww = q.word_weights
    wwsum = float(ww.sum()) or 1.0
    word_cov = words[pos] @ ww / wwsum
    word_cov_prev = ((words[pos] + words_pad[prev]) > 0) @ ww / wwsum
    pwsum = float(pref_w.sum()) or 1.0
    gram_prev = np.array([
        len(gram_sets[p] | gram_sets[int(pv)]) if pv < n_win else len(gram_sets[p])
        for p, pv in zip(pos, prev, strict=True)
    ], dtype=float)

    # Decayed sum of sentence scores over the paragraph (window), rows = candidates.
    dist = np.abs(pos[:, None] - np.arange(n_win)[None, :])
    decay = np.where(group[None, :] == g[:, None], 0.5 ** dist, 0.0) @ window_scores

    # RM3-style expansion from the single best paragraph of the window.
    best = int(np.argmax(para_bm25)) if len(para_bm25) else 0
    lo, hi = int(starts[best]), int(starts[best + 1]) if best + 1 < len(starts) else n_win
    counts: dict[str, int] = {}
    for info in infos[lo:hi]:
        for term, c in info.stem_counts.items():
            if term not in term_set:
                counts[term] = counts.get(term, 0) + c
    weighted = sorted(((c * idf(t), t) for t, c in counts.items()), reverse=True)[:RM3_TERMS]
    expansion = {t: wt for wt, t in weighted}
    rm3 = np.array([
        sum(wt for t, wt in expansion.items() if t in infos[p].stem_counts) for p in pos
    ], dtype=float)

    type_rows = np.array([_type_features(infos[p], q, term_set) for p in pos], dtype=float)
    para_start = np.searchsorted(paragraph_keys, paragraph_keys[candidates], side="left")
    qtype = np.zeros((len(candidates), len(_QTYPES)))
    qtype[:, int(q.qtype)] = 1.0

    columns = [
        s, s / smax, _rank(s), s_pad[prev] / smax, s_pad[nxt] / smax,
        (s + 0.5 * s_pad[prev]) / smax,
        _rel(para_max)[g], _rel(para_bm25)[g], para_cov[g], _rel(decay), _rank(para_bm25)[g],
        (s >= para_max[g]).astype(float), cov, cov_prev, (tf[pos] > 0).sum(axis=1),
        _rel(_sat(tf[pos], 0.9) @ w), word_cov, word_cov_prev, para_words[g] @ ww / wwsum,
        prefs[pos] @ pref_w / pwsum, para_prefs[g] @ pref_w / pwsum,
        grams[pos] / n_grams, gram_prev / n_grams, para_grams[g] / n_grams, _rel(rm3),
    ]
    base = np.column_stack(columns)
    position = (candidates - para_start).astype(float)
    n_terms = np.full(len(candidates), float(len(terms)))
    return np.column_stack([
        base, type_rows[:, :2], position, type_rows[:, 2:], n_terms, qtype
    ])
