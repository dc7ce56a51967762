"""Reranking features for candidate sentences of one question.

Everything here works on a *candidate set* (the best BM25 sentences plus neighbours and
the sentences around them in their paragraphs), never on the whole corpus, so the cost
per question does not grow with the corpus. Per-passage analysis (stems, surface words,
5-letter prefixes, character 4-grams, number/date/name flags) is computed once per
passage and memoised in a bounded :class:`PassageCache`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from retrieval.analysis import Analyzer, fold
from retrieval.answer_type import QuestionType, question_type

_RAW_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_MONTHS_WORDS_TEXT = (
    "january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec"
)
_MONTHS = frozenset(_MONTHS_WORDS_TEXT.split())
_NUMBER_WORDS_WORDS_TEXT = (
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty hundred hundreds thousand thousands million millions billion billions percent "
    "dozen half first second third fourth fifth"
)
_NUMBER_WORDS = frozenset(_NUMBER_WORDS_WORDS_TEXT.split())
_FAR = 30.0  # distance reported when there is nothing to measure
_WH_WORDS = frozenset(["what", "which", "who", "whom", "whose", "when", "where", "why", "how"])
WINDOW = 6  # sentences either side of a candidate that count as its paragraph context


@dataclass(frozen=True)
class PassageInfo:
    """What the features need to know about one passage, independent of the question."""

    words: tuple[str, ...]  # folded surface tokens, stopwords included
    stems: tuple[str | None, ...]  # aligned with words; None for stopwords
    stem_counts: dict[str, int]
    word_set: frozenset[str]
    prefixes: frozenset[str]
    grams: frozenset[str]
    kinds: tuple[int, ...]  # aligned with words: bit 1 number, 2 date, 4 capitalised name
    typed: tuple[tuple[int, int, str, str | None], ...]  # (position, kind, word, stem)
    positions: dict[str, tuple[int, ...]]  # stem -> token positions
    content: int  # number of content (non-stopword) tokens


def analyse_passage(text: str, analyzer: Analyzer) -> PassageInfo:
    stop = analyzer.stopwords
    words: list[str] = []
    stems: list[str | None] = []
    kinds: list[int] = []
    counts: dict[str, int] = {}
    for n, match in enumerate(_RAW_TOKEN.finditer(text)):
        raw = match.group()
        word = fold(raw)
        words.append(word)
        kind = 0
        if word[0].isdigit() or word in _NUMBER_WORDS:
            kind |= 1
        if word in _MONTHS or (len(word) == 4 and word.isdigit() and word[:2] in ("19", "20")):
            kind |= 2
        if n > 0 and raw[0].isupper() and word not in stop:
            kind |= 4
        kinds.append(kind)
        if word in stop:
            stems.append(None)
            continue
        stem = analyzer.stem(word)
        stems.append(stem)
        counts[stem] = counts.get(stem, 0) + 1
    content = [w for w, s in zip(words, stems, strict=True) if s is not None]
    grams = {g for w in content for g in _grams(w)}
    positions: dict[str, list[int]] = {}
    for j, maybe in enumerate(stems):
        if maybe is not None:
            positions.setdefault(maybe, []).append(j)
    return PassageInfo(
        words=tuple(words),
        stems=tuple(stems),
        stem_counts=counts,
        word_set=frozenset(content),
        prefixes=frozenset(w[:5] for w in content),
        grams=frozenset(grams),
        kinds=tuple(kinds),
        typed=tuple((j, k, words[j], stems[j]) for j, k in enumerate(kinds) if k),
        positions={stem: tuple(p) for stem, p in positions.items()},
        content=len(content),
    )


def _grams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + 4] for i in range(max(1, len(padded) - 3))]


class PassageCache:
    """Bounded memo of :class:`PassageInfo` per passage id (cleared when full)."""

    def __init__(
        self, *, analyzer: Analyzer, text_of: Callable[[int], str], limit: int = 200_000
    ) -> None:
        self._analyzer = analyzer
        self._text_of = text_of
        self._limit = limit
        self._memo: dict[int, PassageInfo] = {}

    def get(self, passage_id: int) -> PassageInfo:
        info = self._memo.get(passage_id)
        if info is None:
            if len(self._memo) >= self._limit:
                self._memo.clear()
            info = analyse_passage(self._text_of(passage_id), self._analyzer)
            self._memo[passage_id] = info
        return info


@dataclass(frozen=True)
class QuestionProfile:
    terms: tuple[str, ...]  # distinct stems
    weights: np.ndarray  # idf per term (index idf, floored)
    words: tuple[str, ...]  # distinct folded content words
    word_weights: np.ndarray
    prefixes: dict[str, float]
    grams: frozenset[str]
    all_words: frozenset[str]  # every folded question word, stopwords included
    qtype: QuestionType
    wh: str | None = None  # the first wh-word of the question
    sequence: tuple[str, ...] = ()  # the question's folded words in order (capped)


def question_profile(
    question: str,
    analyzer: Analyzer,
    idf: Callable[[str], float],
    *,
    context: str | None = None,
    context_weight: float = 0.3,
) -> QuestionProfile:
    """Weighted terms, words, prefixes and n-grams of a question (capped in length).

    ``context`` (an earlier turn of a conversation) adds its own words at a lower weight.
    """
    all_words = analyzer.words(question, limit=True)
    stop = analyzer.stopwords
    content = list(dict.fromkeys(w for w in all_words if w not in stop))
    scale = [1.0] * len(content)
    if context:
        extra = [w for w in analyzer.words(context, limit=True) if w not in stop]
        extra = [w for w in dict.fromkeys(extra) if w not in set(content)]
        content += extra
        scale += [context_weight] * len(extra)
    stems = [analyzer.stem(w) for w in content]
    stem_weight: dict[str, float] = {}
    for stem, factor in zip(stems, scale, strict=True):
        weight = max(float(idf(stem)), 0.05) * factor
        stem_weight[stem] = max(stem_weight.get(stem, 0.0), weight)
    terms = tuple(stem_weight)
    word_weights = np.array([stem_weight[s] for s in stems])
    prefixes: dict[str, float] = {}
    for w, s in zip(content, stems, strict=True):
        prefixes[w[:5]] = max(prefixes.get(w[:5], 0.0), stem_weight[s])
    grams = frozenset(g for w in content for g in _grams(w))
    return QuestionProfile(
        terms=terms,
        weights=np.array([stem_weight[t] for t in terms]),
        words=tuple(content),
        word_weights=word_weights,
        prefixes=prefixes,
        grams=grams,
        all_words=frozenset(all_words),
        qtype=question_type(all_words),
        wh=next((w for w in all_words[:25] if w in _WH_WORDS), None),
        sequence=tuple(all_words),
    )


def expand_candidates(
    ids: np.ndarray, paragraph_keys: np.ndarray, *, neighbours_of: int = 10
) -> np.ndarray:
    """``ids`` plus the same-paragraph neighbours of the first ``neighbours_of`` ids."""
    n = len(paragraph_keys)
    id_list = ids.tolist()
    head = id_list[:neighbours_of]
    around = [i - 1 for i in head] + [i + 1 for i in head]
    owners = head + head
    keys = paragraph_keys[[min(max(i, 0), n - 1) for i in around] + owners].tolist()
    m = len(around)
    near = [
        i for j, i in enumerate(around)
        if 0 <= i < n and keys[j] == keys[m + j]
    ]
    return np.array(list(dict.fromkeys(id_list + near)), dtype=np.int64)


def context_window(candidates: np.ndarray, paragraph_keys: np.ndarray) -> np.ndarray:
    """Sorted ids of the sentences within :data:`WINDOW` of a candidate, same paragraph."""
    n = len(paragraph_keys)
    lo = np.maximum(candidates - WINDOW, 0)
    hi = np.minimum(candidates + WINDOW, n - 1)
    # Each candidate's paragraph bounds, clipped to the window: two searchsorted calls
    # over the candidate set only.
    own = paragraph_keys[candidates]
    first = np.maximum(lo, np.searchsorted(paragraph_keys, own, side="left"))
    last = np.minimum(hi, np.searchsorted(paragraph_keys, own, side="right") - 1)
    spans = {i for a, b in zip(first.tolist(), last.tolist(), strict=True)
             for i in range(a, b + 1)}
    return np.array(sorted(spans), dtype=np.int64)


class ParagraphBounds:
    """Per passage, the first and one-past-last passage of its paragraph, as Python lists.

    For small corpora (built in O(passages) once): candidate expansion and context
    windows become a few list operations, with the same results as
    :func:`expand_candidates` and :func:`context_window`.
    """

    def __init__(self, paragraph_keys: np.ndarray) -> None:
        n = len(paragraph_keys)
        change = np.ones(n, dtype=bool)
        if n:
            change[1:] = paragraph_keys[1:] != paragraph_keys[:-1]
        starts = np.flatnonzero(change)
        ends = np.append(starts[1:], n)
        group = np.cumsum(change) - 1
        self.lo: list[int] = starts[group].tolist()
        self.hi: list[int] = ends[group].tolist()

    def expand(self, ids: np.ndarray, *, neighbours_of: int = 10) -> np.ndarray:
        """Same as :func:`expand_candidates`."""
        lo, hi = self.lo, self.hi
        id_list = ids.tolist()
        head = id_list[:neighbours_of]
        near = [i - 1 for i in head if i - 1 >= lo[i]] + [i + 1 for i in head if i + 1 < hi[i]]
        return np.array(list(dict.fromkeys(id_list + near)), dtype=np.int64)

    def window(self, candidates: np.ndarray) -> np.ndarray:
        """Same as :func:`context_window`."""
        lo, hi = self.lo, self.hi
        spans: set[int] = set()
        for c in candidates.tolist():
            spans.update(range(max(c - WINDOW, lo[c]), min(c + WINDOW + 1, hi[c])))
        return np.array(sorted(spans), dtype=np.int64)
