"""Reranking features for candidate sentences of one question.

Everything here works on a *candidate set* (the best BM25 sentences plus neighbours and
the sentences around them in their paragraphs), never on the whole corpus, so the cost
per question does not grow with the corpus. Per-passage analysis (stems, surface words,
5-letter prefixes, character 4-grams, number/date/name flags) is computed once per
passage and memoised in a bounded :class:`PassageCache`.
"""

from __future__ import annotations

import re
from collections import OrderedDict, _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable, Collection, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, compress
from operator import getitem, itemgetter, not_
from typing import NamedTuple

import numpy as np

from retrieval.analysis import COURTESY_WORDS, Analyzer, clip, fold
from retrieval.answer_type import FULL_NAME, NAME, UNIT, QuestionType, question_type

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
# Units of measure, which answer "how long / far / old / tall ..." beside a number.
_UNIT_WORDS_TEXT = (
    "second seconds minute minutes min mins hour hours hr hrs day days week weeks month "
    "months year years yr yrs decade decades century centuries millennium millennia "
    "millimeter millimeters millimetre millimetres mm centimeter centimeters centimetre "
    "centimetres cm meter meters metre metres km kilometer kilometers kilometre kilometres "
    "mile miles foot feet ft inch inches yard yards nautical "
    "gram grams kilogram kilograms kg kilo kilos tonne tonnes ton tons pound pounds lb lbs "
    "ounce ounces oz mph kph knot knots acre acres hectare hectares liter liters litre "
    "litres gallon gallons degree degrees celsius fahrenheit kelvin"
)
_UNIT_WORDS = frozenset(_UNIT_WORDS_TEXT.split())
# The units that measure time, which give an age or a duration but not a height.
_TIME_UNIT_WORDS_TEXT = (
    "second seconds minute minutes min mins hour hours hr hrs day days week weeks month "
    "months year years yr yrs decade decades century centuries millennium millennia"
)
TIME_UNIT_WORDS = frozenset(_TIME_UNIT_WORDS_TEXT.split())
_FAR = 30.0  # distance reported when there is nothing to measure
_WH_WORDS = frozenset(["what", "which", "who", "whom", "whose", "when", "where", "why", "how"])
WINDOW = 6  # sentences either side of a candidate that count as its paragraph context


# Per raw token: (folded word, stem or None for a stopword, kind bits as the first
# token, kind bits later on (+4 when a capitalised non-stopword: a name), the word's
# 4-grams, its 5-letter prefix and the word itself, both None for a stopword).
_Token = tuple[str, "str | None", int, int, tuple[str, ...], "str | None", "str | None"]


_WORD, _STEM, _LATER_KIND, _GRAMS, _PREFIX, _CONTENT_WORD = map(itemgetter, (0, 1, 3, 4, 5, 6))


class PassageInfo(NamedTuple):
    """What the features need to know about one passage, independent of the question.

    Made of strings, numbers, tuples and dicts of those only; ``types`` shares the
    token memo's records (no per-passage sets of words, prefixes or grams are built).
    """

    tokens: tuple[_Token, ...]  # the analysis of each raw token, in order
    stems: tuple[str | None, ...]  # aligned with tokens; None for stopwords
    stem_counts: dict[str, int]
    types: tuple[_Token, ...]  # the analyses of the distinct raw tokens, in first order
    typed: tuple[tuple[int, int, str, str | None], ...]  # (position, kind, word, stem)
    content: int  # number of content (non-stopword) tokens

    @property
    def words(self) -> tuple[str, ...]:
        """Folded surface tokens, stopwords included."""
        return tuple(map(_WORD, self.tokens))

    @property
    def kinds(self) -> tuple[int, ...]:
        """Aligned with words: bit 1 number, 2 date, 4 capitalised name, 8 digits, 16 unit,
        32 a word of a name of several (:mod:`retrieval.answer_type`)."""
        tokens = self.tokens
        if not tokens:
            return ()
        kinds = [tokens[0][2], *map(_LATER_KIND, tokens[1:])]
        for j, kind, _, _ in self.typed:
            kinds[j] |= kind & FULL_NAME
        return tuple(kinds)

    # The distinct content words, their 5-letter prefixes and 4-grams are read from
    # ``types`` when needed: the features ask only whether the question's ones occur
    # (:func:`question_hits`), cheaper than building the sets.

    @property
    def word_set(self) -> dict[str, None]:
        """Distinct content words (as dict keys)."""
        return _keys(map(_CONTENT_WORD, self.types))

    @property
    def prefixes(self) -> dict[str, None]:
        """Distinct 5-letter prefixes of content words (as dict keys)."""
        return _keys(map(_PREFIX, self.types))

    @property
    def grams(self) -> dict[str, None]:
        """Distinct character 4-grams of content words (as dict keys)."""
        return _keys(chain.from_iterable(map(_GRAMS, self.types)))


def _token(
    raw: str, analyzer: Analyzer, stop: frozenset[str], stem: str | None = None
) -> _Token:
    """``stem``: the word's stem when already known (from the index's terms)."""
    word = raw.lower() if raw.isascii() else fold(raw)  # the same for ASCII, cheaper
    kind = 0
    if word[0].isdigit():
        kind |= 1 | 8  # a number, written in digits
    elif word in _NUMBER_WORDS:
        kind |= 1
    # A month name counts only when capitalised: lower-case "may" and "march" are verbs.
    if (word in _MONTHS and raw[0].isupper()) or (
        len(word) == 4 and word.isdigit() and word[:2] in ("19", "20")
    ):
        kind |= 2
    if word in _UNIT_WORDS:
        kind |= UNIT
    if word in stop:
        return (word, None, kind, kind, (), None, None)
    later = kind | 4 if raw[0].isupper() else kind
    if stem is None:
        stem = analyzer.stem(word)
    return (word, stem, kind, later, _grams(word), word[:5], word)


def analyse_passage(
    text: str,
    analyzer: Analyzer,
    memo: MutableMapping[str, _Token] | None = None,
    terms: Callable[[], Sequence[str]] | None = None,
) -> PassageInfo:
    """Analyse ``text``; ``memo`` (raw token -> its analysis) is shared across calls.

    ``terms`` gives the index's terms of this very text (its content words' stems, in
    order); called only when the memo lacks a word of the text, it saves stemming those
    words (in an ASCII text folding is lower-casing, so the tokens are the index's; in
    another, each token's folded word is looked up among the folded text's words).
    Per token only dictionary look-ups; the fields are assembled by whole-sequence
    operations (``map``, ``dict.fromkeys``, ``compress``) so long passages stay cheap.
    """
    if memo is None:
        memo = {}
    raws = _RAW_TOKEN.findall(text)
    if not raws:
        return PassageInfo((), (), {}, (), (), 0)
    distinct = dict.fromkeys(raws)
    found = tuple(map(memo.get, distinct))
    if not all(found):  # a C-level scan (a token's analysis is a non-empty tuple)
        missing = list(compress(distinct, map(not_, found)))
        _remember(text, raws, missing, analyzer, memo, terms)  # the rarer case
        found = tuple(map(memo.__getitem__, distinct))
    types: tuple[_Token, ...] = found  # type: ignore[assignment]
    tokens = tuple(map(memo.__getitem__, raws))
    stems = tuple(map(_STEM, tokens))
    counts: dict[str, int] = {}
    _count_elements(counts, stems)  # Counter's C loop, into an untracked dict
    counts.pop(None, None)  # type: ignore[call-overload]
    # Typed tokens: kind bits as a later token everywhere, then the first token's own.
    at = list(compress(range(len(tokens)), map(_LATER_KIND, tokens)))
    picked = list(map(tokens.__getitem__, at))
    later_kinds = list(map(_LATER_KIND, picked))
    named = [j for j, k in zip(at, later_kinds, strict=True) if k & NAME]
    if len(named) > 1:
        runs = full_name_positions(named)
        later_kinds = [k | FULL_NAME if j in runs else k
                       for j, k in zip(at, later_kinds, strict=True)]
    typed = list(zip(at, later_kinds, map(_WORD, picked), map(_STEM, picked), strict=True))
    if at and at[0] == 0:
        first = tokens[0]
        kind = first[2] | (later_kinds[0] & FULL_NAME)
        if kind:
            typed[0] = (0, kind, first[0], first[1])
        else:
            del typed[0]
    return PassageInfo(
        tokens=tokens,
        stems=stems,
        stem_counts=counts,
        types=types,
        typed=tuple(typed),
        content=len(stems) - stems.count(None),
    )


def full_name_positions(named: Sequence[int]) -> frozenset[int]:
    """The positions among ``named`` (capitalised words, in order) that stand beside
    another one: the words of a name written in two or more ("Margarita Simonyan")."""
    return frozenset(
        j for n, j in enumerate(named)
        if (n > 0 and named[n - 1] == j - 1) or (n + 1 < len(named) and named[n + 1] == j + 1)
    )


def _remember(
    text: str,
    raws: list[str],
    missing: list[str],
    analyzer: Analyzer,
    memo: MutableMapping[str, _Token],
    terms: Callable[[], Sequence[str]] | None,
) -> None:
    """Analyse the ``missing`` distinct tokens of ``text`` (whose tokens are ``raws``)."""
    stop = analyzer.stopwords
    known: dict[str, str] = {}
    if terms is not None:
        # The missing tokens' places among the content words (the last one of each).
        stems_in_order = terms()
        if text.isascii():
            content = list(compress(raws, map(not_, map(stop.__contains__, map(str.lower, raws)))))
            keys: list[str] = missing
        else:
            # Folding may split or join tokens: align the terms with the folded text's
            # own words (as the index made them) and look each token's folded word up
            # there (a word the text's words lack is stemmed as usual).
            words = analyzer.words(text)
            content = list(compress(words, map(not_, map(stop.__contains__, words))))
            keys = [raw.lower() if raw.isascii() else fold(raw) for raw in missing]
        if len(content) == len(stems_in_order):
            place = dict(zip(content, range(len(content)), strict=True))  # the last one
            for raw, key in zip(missing, keys, strict=True):
                at = place.get(key)
                if at is not None:
                    known[raw] = stems_in_order[at]
    for raw in missing:
        memo[raw] = _token(raw, analyzer, stop, known.get(raw))


def _keys(items: Iterable[str | None]) -> dict[str, None]:
    """The distinct non-None items as the keys of a dict the garbage collector does not
    track (a ``{}`` display filled by ``update``; ``dict()`` and ``dict.fromkeys`` make
    tracked dicts, walked by every collection until a full one untracks them)."""
    out: dict[str, None] = {}
    out.update(dict.fromkeys(items))  # type: ignore[arg-type]
    out.pop(None, None)  # type: ignore[call-overload]
    return out


_NONE: frozenset[str] = frozenset()


def question_hits(
    info: PassageInfo, words: frozenset[str], prefixes: frozenset[str], grams: frozenset[str]
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The question's content ``words``, 5-letter ``prefixes`` and 4-``grams`` that occur
    among ``info``'s content words (the question's own words' prefixes and grams).

    A passage word equal to a question word, or with the same 5-letter prefix, shares a
    4-gram with it (its padded start, or the whole padded word when shorter), so one
    C-level filter by :meth:`frozenset.isdisjoint` over the passage's distinct tokens
    keeps every word that can match anything; only those few are looked at further.
    """
    types = info.types
    sharing = list(compress(types, map(not_, map(grams.isdisjoint, map(_GRAMS, types)))))
    if not sharing:
        return _NONE, _NONE, _NONE
    return (
        words.intersection(map(_CONTENT_WORD, sharing)),
        prefixes.intersection(map(_PREFIX, sharing)),
        grams.intersection(chain.from_iterable(map(_GRAMS, sharing))),
    )


def _grams(word: str) -> tuple[str, ...]:
    """The character 4-grams of `` word `` (one shorter gram for a one-letter word)."""
    padded = f" {word} "
    n = len(padded) - 3
    if n <= 1:
        return (padded[:4],)
    if n > len(_GRAM_SLICES):
        return tuple([padded[i : i + 4] for i in range(n)])
    return tuple(map(getitem, [padded] * n, _GRAM_SLICES[:n]))  # C-level slicing


_GRAM_SLICES = tuple(slice(i, i + 4) for i in range(64))


class PassageCache:
    """Bounded memo of :class:`PassageInfo` per passage id, with a bounded memo of
    per-token analysis shared by the passages; both drop their oldest entries one at a
    time when full.

    The bounds are small on purpose: few analyses are ever asked for again (distinct
    questions share ~6% of their window passages; the abstainer re-reads the current
    window), every collection that walks the cache costs time, and dropping one entry
    at a time spreads the cost of freeing them (clearing 8,192 at once took ~30 ms).
    :meth:`get_many` analyses a whole window in one call and bounds both memos after it.
    """

    def __init__(
        self,
        *,
        analyzer: Analyzer,
        text_of: Callable[[int], str],
        terms_of: Callable[[int], Sequence[str]] | None = None,
        texts_of: Callable[[list[int]], list[str]] | None = None,
        limit: int = 1024,
        token_limit: int = 100_000,
    ) -> None:
        """``texts_of`` (optional) gives many passages' texts in one call."""
        self._analyzer = analyzer
        self._text_of = text_of
        self._texts_of = texts_of
        self._terms_of = terms_of
        self._limit = limit
        self._token_limit = token_limit
        self._memo: OrderedDict[int, PassageInfo] = OrderedDict()
        self._tokens: OrderedDict[str, _Token] = OrderedDict()

    def get(self, passage_id: int) -> PassageInfo:
        info = self._memo.get(passage_id)
        return info if info is not None else self.get_many([passage_id])[0]

    def get_many(self, passage_ids: Sequence[int]) -> list[PassageInfo]:
        """The analyses of ``passage_ids``, in order (the same as :meth:`get` each)."""
        memo = self._memo
        found = list(map(memo.get, passage_ids))
        if None not in found:
            return found  # type: ignore[return-value]
        todo = [pid for pid, hit in zip(passage_ids, found, strict=True) if hit is None]
        texts = self._texts_of(todo) if self._texts_of is not None else [
            self._text_of(pid) for pid in todo
        ]
        analyzer, tokens, terms_of = self._analyzer, self._tokens, self._terms_of
        fresh: dict[int, PassageInfo] = {}
        for pid, text in zip(todo, texts, strict=True):
            info = analyse_passage(
                text, analyzer, tokens, partial(terms_of, pid) if terms_of is not None else None
            )
            fresh[pid] = info
            memo[pid] = info
        for _ in range(len(tokens) - self._token_limit):
            tokens.popitem(last=False)
        for _ in range(len(memo) - self._limit):
            memo.popitem(last=False)
        return [fresh[pid] if hit is None else hit
                for pid, hit in zip(passage_ids, found, strict=True)]

    def heading(self, text: str) -> tuple[str, ...]:
        """A heading's first word ("" when none) and then its distinct stems: the same
        words and stems as :meth:`analyse`, as one tuple of strings (which the garbage
        collector does not track), for the section evidence."""
        memo, analyzer = self._tokens, self._analyzer
        out: dict[str, None] = {}
        first = ""
        for n, raw in enumerate(_RAW_TOKEN.findall(text)):
            token = memo.get(raw)
            if token is None:
                token = memo[raw] = _token(raw, analyzer, analyzer.stopwords)
            if n == 0:
                first = token[0]
            if token[1] is not None:
                out[token[1]] = None
        for _ in range(len(memo) - self._token_limit):
            memo.popitem(last=False)
        return (first, *out)

    def analyse(
        self, text: str, terms: Callable[[], Sequence[str]] | None = None
    ) -> PassageInfo:
        """:func:`analyse_passage` with this cache's token memo (not memoised itself)."""
        tokens = self._tokens
        info = analyse_passage(text, self._analyzer, tokens, terms)
        for _ in range(len(tokens) - self._token_limit):
            tokens.popitem(last=False)
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
    names: frozenset[str] = frozenset()  # terms from capitalised words after the first


def name_terms(question: str, analyzer: Analyzer, terms: Collection[str]) -> frozenset[str]:
    """The ``terms`` that come from a capitalised word other than the question's first
    ("Is *WebEx* approved for *military* use?" -> webex): the names it asks about."""
    surface = _RAW_TOKEN.findall(clip(question))
    stop = analyzer.stopwords
    return frozenset(
        stem for raw in surface[1:] if raw[:1].isupper()
        for word in analyzer.words(raw) if word not in stop
        for stem in (analyzer.stem(word),) if stem in terms
    )


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
    content = list(dict.fromkeys(w for w in all_words
                                 if w not in stop and w not in COURTESY_WORDS))
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
        names=name_terms(question, analyzer, stem_weight),
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
