"""Passages -> index terms as compact arrays (CSR), analysed in large batches.

One regex pass and one fold per batch of passages instead of per passage; every distinct
word is stopword-checked and stemmed once. The result holds no Python object per passage:
``term_ids[offsets[i]:offsets[i + 1]]`` are the terms of passage ``i``, in text order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import overload

import numpy as np

from retrieval.analysis import Analyzer

# A word no text contains (checked per batch): it marks where one passage ends.
_SEPARATOR = "ǂqǂ"
_STOP = -1
_SEP = -2
BATCH = 8192


@dataclass(frozen=True)
class TermMatrix:
    """Terms of every passage: ``vocabulary[term_ids[offsets[i]:offsets[i+1]]]``.

    Term ids are numbered in order of first appearance (as rank-bm25 meets them).
    """

    vocabulary: tuple[str, ...]
    term_ids: np.ndarray  # int32
    offsets: np.ndarray  # int64, len = passages + 1

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def terms(self, i: int) -> list[str]:
        vocab = self.vocabulary
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return [vocab[t] for t in self.term_ids[lo:hi].tolist()]

    @classmethod
    def from_token_lists(cls, token_lists: Iterable[Sequence[str]]) -> TermMatrix:
        """From ready token lists (tests, paragraph-level or any other units)."""
        ids: dict[str, int] = {}
        flat: list[int] = []
        offsets = [0]
        for tokens in token_lists:
            for token in tokens:
                tid = ids.get(token)
                if tid is None:
                    tid = ids[token] = len(ids)
                flat.append(tid)
            offsets.append(len(flat))
        return cls(tuple(ids), np.asarray(flat, dtype=np.int32),
                   np.asarray(offsets, dtype=np.int64))

    def merged(self, bounds: np.ndarray) -> TermMatrix:
        """Consecutive units joined: unit ``j`` = passages ``bounds[j]:bounds[j+1]``.

        For example paragraphs from sentence passages (the passages of a paragraph
        are consecutive), without re-analysing any text.
        """
        return TermMatrix(self.vocabulary, self.term_ids,
                          self.offsets[np.asarray(bounds, dtype=np.int64)])


class TermLists(Sequence[list[str]]):
    """``index.tokens[i]``: the terms of passage ``i`` as a list, built on access."""

    def __init__(self, matrix: TermMatrix) -> None:
        self._matrix = matrix

    def __len__(self) -> int:
        return len(self._matrix)

    @overload
    def __getitem__(self, i: int) -> list[str]: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[list[str]]: ...

    def __getitem__(self, i: int | slice) -> list[str] | Sequence[list[str]]:
        if isinstance(i, slice):
            return [self._matrix.terms(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("passage index out of range")
        return self._matrix.terms(i)

    def __iter__(self) -> Iterator[list[str]]:
        for i in range(len(self)):
            yield self._matrix.terms(i)


def analyze_texts(
    analyzer: Analyzer,
    texts: Iterable[str],
    *,
    progress: Callable[[int], None] | None = None,
) -> TermMatrix:
    """Analyse every text as ``analyzer.terms`` would, in batches; same terms, same order."""
    word_ids: dict[str, int] = {_SEPARATOR: _SEP}
    term_ids: dict[str, int] = {}
    stop = analyzer.stopwords
    chunks: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    iterator = iter(texts)
    while True:
        batch = list(islice(iterator, BATCH))
        if not batch:
            break
        joined = f" {_SEPARATOR} ".join(batch)
        boundaries = None
        if joined.count(_SEPARATOR) == len(batch) - 1:
            ids = _lookup(analyzer.words(joined), word_ids, term_ids, analyzer, stop)
            boundaries = ids == _SEP
        if boundaries is None or int(boundaries.sum()) != len(batch) - 1:
            ids, owner = _one_by_one(batch, word_ids, term_ids, analyzer, stop)
        else:
            owner = np.cumsum(boundaries, dtype=np.int64)
        keep = ids >= 0
        chunks.append(ids[keep])
        counts.append(np.bincount(owner[keep], minlength=len(batch)))
        if progress is not None:
            progress(len(batch))
    offsets = np.zeros(sum(c.shape[0] for c in counts) + 1, dtype=np.int64)
    if counts:
        np.cumsum(np.concatenate(counts), out=offsets[1:])
    flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    return TermMatrix(tuple(term_ids), flat.astype(np.int32, copy=False), offsets)


def _lookup(
    words: list[str],
    word_ids: dict[str, int],
    term_ids: dict[str, int],
    analyzer: Analyzer,
    stop: frozenset[str],
) -> np.ndarray:
    try:
        return np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))
    except KeyError:
        pass
    for word in dict.fromkeys(words):  # first-appearance order keeps term ids in text order
        if word not in word_ids:
            if word in stop:
                word_ids[word] = _STOP
            else:
                stem = analyzer.stem(word)
                tid = term_ids.get(stem)
                if tid is None:
                    tid = term_ids[stem] = len(term_ids)
                word_ids[word] = tid
    return np.fromiter(map(word_ids.__getitem__, words), dtype=np.int32, count=len(words))


def _one_by_one(
    batch: list[str],
    word_ids: dict[str, int],
    term_ids: dict[str, int],
    analyzer: Analyzer,
    stop: frozenset[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Fallback for a batch whose text contains the separator word itself."""
    ids: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    sep = word_ids.pop(_SEPARATOR)
    try:
        for i, text in enumerate(batch):
            part = _lookup(analyzer.words(text), word_ids, term_ids, analyzer, stop)
            ids.append(part)
            owners.append(np.full(part.shape[0], i, dtype=np.int64))
    finally:
        word_ids[_SEPARATOR] = sep
    return np.concatenate(ids), np.concatenate(owners)
