"""The per-window inputs of :func:`retrieval.features_compute.feature_matrix` computed
with numpy over a :class:`retrieval.window.Window` (token ids), for large windows.

The values are the same as from per-passage analyses
(:class:`retrieval.features_compute.PassageInputs`): counts are exact integers, the
distances integers capped at ``_FAR``, and the RM3 sums add in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import compress
from operator import not_

import numpy as np

from retrieval.answer_type import DATE, NAME, NUMBER, wanted_kind
from retrieval.features import _FAR, QuestionProfile
from retrieval.window import Window, sorted_lookup, term_matches

RM3_TERMS = 20


def _pairs(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """Counts of (row, col) pairs as an (n_rows, n_cols) int matrix."""
    return np.bincount(rows * n_cols + cols, minlength=n_rows * n_cols).reshape(n_rows, n_cols)


def window_columns(
    q: QuestionProfile, win: Window, want: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per window passage: question-term counts (passages x terms), word, prefix and
    gram hits (booleans), and the 10 type columns (10 x passages: novel fraction, token
    count, novel number / date / name, their distances to the nearest matched token,
    wanted present, wanted distance)."""
    table = win.table
    n_win = len(win)
    owner, stems, kinds, tokens = win.owner, win.stems, win.kinds, win.tokens
    matched, cols = term_matches(table, q.terms, stems)
    tf = _pairs(owner[matched], cols, n_win, len(q.terms)).astype(float)
    # Word, prefix and gram hits: the window's distinct tokens filtered by shared grams.
    qgrams = q.grams
    distinct = list(set(tokens.tolist()))
    gram_lists = table.grams
    sharing = sorted(compress(distinct, map(not_, map(qgrams.isdisjoint,
                                                      map(gram_lists.__getitem__, distinct)))))
    qw = q.words
    n_words, n_prefs = len(qw), len(q.prefixes)
    # Column of each question word, prefix and gram in the hit matrix.
    column = {("w", w): n for n, w in enumerate(qw)}
    column.update((("p", p), n_words + n) for n, p in enumerate(q.prefixes))
    column.update((("g", g), n_words + n_prefs + n) for n, g in enumerate(sorted(qgrams)))
    width = n_words + n_prefs + len(qgrams)
    hits = np.zeros((n_win, width), dtype=bool)
    if sharing:
        rows = np.zeros((len(sharing), width))
        for r, i in enumerate(sharing):
            own = [("w", table.content_words[i]), ("p", table.prefixes[i])]
            own += [("g", g) for g in gram_lists[i]]
            rows[r, [column[c] for c in own if c in column]] = 1.0
        share_ids = np.array(sharing, dtype=np.int64)
        has, at = sorted_lookup(share_ids, tokens)
        present = _pairs(owner[has], at[has], n_win, len(sharing)) > 0
        hits = (present.astype(float) @ rows) > 0
    # Typed tokens that are not question words, and their distance to matched tokens.
    qword_ids = np.array(sorted(table.word_ids[w] for w in q.all_words if w in table.word_ids),
                         dtype=np.int64)
    is_qword, _ = sorted_lookup(qword_ids, table.word_of[tokens])
    typed = np.flatnonzero((kinds != 0) & ~matched & ~is_qword)
    at_matched = np.flatnonzero(matched)
    typed_owner = owner[typed]
    dist = np.full(len(typed), _FAR)
    if len(at_matched):
        right = np.searchsorted(at_matched, typed)
        left = np.maximum(right - 1, 0)
        right = np.minimum(right, len(at_matched) - 1)
        lpos, rpos = at_matched[left], at_matched[right]
        lgap = np.where((lpos < typed) & (owner[lpos] == typed_owner), typed - lpos, 10**9)
        rgap = np.where((rpos > typed) & (owner[rpos] == typed_owner), rpos - typed, 10**9)
        gap = np.minimum(lgap, rgap)
        dist = np.minimum(np.where(gap < 10**9, gap.astype(float), _FAR), _FAR)
    type_cols = np.zeros((10, n_win))
    content = np.bincount(owner[stems >= 0], minlength=n_win)
    n_matched = np.bincount(owner[matched], minlength=n_win)
    type_cols[0] = (content - n_matched) / np.maximum(content, 1)
    type_cols[1] = win.lengths
    typed_kinds = kinds[typed]
    wanted_present = np.zeros(n_win)
    wanted_dist = np.full(n_win, _FAR)
    # Number, date and name have columns of their own; the other kinds only count as wanted.
    for place, bit in enumerate((NUMBER, DATE, NAME)):
        sel = (typed_kinds & bit) != 0
        type_cols[2 + place] = np.bincount(typed_owner[sel], minlength=n_win) > 0
        near = np.full(n_win, _FAR)
        np.minimum.at(near, typed_owner[sel], dist[sel])
        type_cols[5 + place] = near
    sel = (typed_kinds & want) != 0
    wanted_present[typed_owner[sel]] = 1.0
    np.minimum.at(wanted_dist, typed_owner[sel], dist[sel])
    type_cols[8] = wanted_present
    type_cols[9] = wanted_dist
    nw, npf = n_words, n_prefs
    return tf, hits[:, :nw], hits[:, nw : nw + npf], hits[:, nw + npf :], type_cols


class WindowInputs:
    """What :func:`retrieval.features_compute.feature_matrix` needs per window passage."""

    def __init__(self, q: QuestionProfile, win: Window, idf: Callable[[str], float]) -> None:
        self._q, self._win, self._idf = q, win, idf
        tf, words, prefs, grams, types = window_columns(q, win, wanted_kind(q.qtype))
        self.tf = tf
        self.words = words.astype(float)
        self.prefs = prefs.astype(float)
        self._grams = grams
        self._types = types

    def gram_counts(
        self, start_list: list[int], ends: list[int], pos_list: list[int], prev_list: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct question grams per paragraph, per candidate with its previous
        sentence (``prev_list``: its place, or the window's length for none), per
        candidate."""
        hits = self._grams
        starts = np.array(start_list, dtype=np.intp)
        para = np.logical_or.reduceat(hits, starts, axis=0).sum(axis=1).astype(float)
        padded = np.concatenate([hits, np.zeros((1, hits.shape[1]), dtype=bool)])
        pos, prev = np.array(pos_list, dtype=np.intp), np.array(prev_list, dtype=np.intp)
        with_prev = (padded[pos] | padded[prev]).sum(axis=1).astype(float)
        return para, with_prev, hits[pos].sum(axis=1).astype(float)

    def rm3(self, lo: int, hi: int, pos_list: list[int]) -> np.ndarray:
        """RM3-style expansion from window passages ``lo:hi``, per candidate: the
        :data:`RM3_TERMS` best non-question stems by count x idf, each candidate summing
        the weights of those it holds in that order (as a Python ``sum`` would)."""
        win = self._win
        table = win.table
        span = win.stems[int(win.offsets[lo]) : int(win.offsets[hi])]
        asked = term_matches(table, self._q.terms, span)[0]
        sids, counts = np.unique(span[(span >= 0) & ~asked], return_counts=True)
        names, idf = table.stems, self._idf
        weighted = sorted(((c * idf(names[s]), names[s], s)
                           for s, c in zip(sids.tolist(), counts.tolist(), strict=True)),
                          reverse=True)[:RM3_TERMS]
        out = np.zeros(len(pos_list))
        if weighted:
            ids = np.array([s for _, _, s in weighted], dtype=np.int64)
            order = np.argsort(ids)
            inside, place = sorted_lookup(ids[order], win.stems)
            present = _pairs(win.owner[inside], order[place[inside]], len(win), len(weighted))
            chosen = present[np.array(pos_list, dtype=np.intp)] > 0
            for j, (weight, _, _) in enumerate(weighted):
                out = out + np.where(chosen[:, j], weight, 0.0)
        return out

    def types(self, pos_list: list[int]) -> np.ndarray:
        """The 10 type columns per candidate (10 x candidates)."""
        return self._types[:, np.array(pos_list, dtype=np.intp)]
