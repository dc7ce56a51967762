"""Passage analysis: the token memo changes nothing, the caches stay bounded and out of
the garbage collector's way."""

from __future__ import annotations

import gc

from retrieval.analysis import Analyzer
from retrieval.features import PassageCache, analyse_passage

TEXTS = [
    "The Taurus leak: 38 documents, March 2019, Berlin and the BIG two.",
    "École ﬁnale ½ cost_of_living—Ministry of Defence, 20 officials said.",
    "",
    "the the the",
]


def test_token_memo_gives_the_same_analysis() -> None:
    analyzer = Analyzer()
    memo: dict = {}
    for text in TEXTS + TEXTS:
        assert analyse_passage(text, analyzer, memo) == analyse_passage(text, Analyzer())


def test_analysis_fields() -> None:
    info = analyse_passage("Berlin said two. Berlin", Analyzer())
    assert info.words == ("berlin", "said", "two", "berlin")
    assert info.stem_counts == {"berlin": 2, "said": 1, "two": 1}
    assert set(info.word_set) == {"berlin", "said", "two"}
    assert info.kinds == (0, 0, 1, 4)  # the first word is no name; "two" a number
    assert " ber" in info.grams and "berli" in info.prefixes
    assert info.content == 4


def test_cache_is_bounded_and_drops_the_oldest_first() -> None:
    texts = [f"passage number {i} about topic{i}" for i in range(10)]
    cache = PassageCache(analyzer=Analyzer(), text_of=texts.__getitem__, limit=4)
    for i in range(10):
        assert cache.get(i).words[-1] == f"topic{i}"
    assert list(cache._memo) == [6, 7, 8, 9]


def test_cached_sets_are_not_tracked_by_the_garbage_collector() -> None:
    cache = PassageCache(analyzer=Analyzer(), text_of=TEXTS.__getitem__)
    info = cache.get(0)
    for field in (info.stem_counts, info.word_set, info.prefixes, info.grams):
        assert not gc.is_tracked(field)
