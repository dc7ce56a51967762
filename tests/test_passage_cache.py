"""Passage analysis: the token memo changes nothing, the caches stay bounded and out of
the garbage collector's way."""

from __future__ import annotations

import gc

from retrieval.analysis import Analyzer
from retrieval.answer_type import (
    DATE,
    DIGITS,
    FULL_NAME,
    NAME,
    NUMBER,
    UNIT,
    QuestionType,
    question_type,
    type_words,
    wanted_kind,
)
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


def test_numbers_in_digits_carry_their_own_kind() -> None:
    info = analyse_passage("It met on Feb. 19, 2024 with one of 3 officers", Analyzer())
    kinds = dict(zip(info.words, info.kinds, strict=True))
    assert kinds["19"] == 1 | 8 and kinds["3"] == 1 | 8
    assert kinds["2024"] == 1 | 2 | 8 and kinds["feb"] == 2 | 4
    assert kinds["one"] == 1  # a number word: a number, not digits


def test_month_names_are_dates_only_when_capitalised() -> None:
    info = analyse_passage("He may march in May or on March 3", Analyzer())
    kinds = list(zip(info.words, info.kinds, strict=True))
    assert kinds[1] == ("may", 0) and kinds[2] == ("march", 0)  # verbs
    assert kinds[4] == ("may", 2) and kinds[7] == ("march", 2 | 4)  # "may" is a stopword


def test_when_questions_want_dates_or_digits_not_number_words() -> None:
    assert wanted_kind(question_type(["on", "what", "day", "did", "they", "talk"])) == (
        DATE | DIGITS)
    assert wanted_kind(question_type(["when", "was", "it"])) == DATE | DIGITS
    assert wanted_kind(question_type(["how", "many", "officers"])) == NUMBER


def test_units_and_names_of_several_words_are_marked() -> None:
    info = analyse_passage(
        "Margarita Simonyan posted a 38-minute recording of German army officers in Ukraine, "
        "said Defense Minister Boris Pistorius, 500 kilometers away.", Analyzer())
    kinds = dict(zip(info.words, info.kinds, strict=True))
    assert kinds["margarita"] & FULL_NAME and kinds["simonyan"] == NAME | FULL_NAME
    assert kinds["pistorius"] & FULL_NAME and kinds["defense"] & FULL_NAME
    assert kinds["german"] == NAME and kinds["ukraine"] == NAME  # alone: not a full name
    assert kinds["minute"] == UNIT and kinds["kilometers"] == UNIT and kinds["38"] == 1 | 8
    # A capitalised first word alone is no name; beside another it is part of one.
    assert analyse_passage("Kyiv has long asked", Analyzer()).kinds[0] == 0


def test_who_wants_full_names_and_measures_want_units() -> None:
    assert wanted_kind(question_type(["who", "posted", "it"])) == FULL_NAME
    assert wanted_kind(question_type(["how", "long", "was", "it"])) == UNIT


def test_a_measure_named_by_its_noun() -> None:
    for words in (["what", "was", "the", "length", "of", "the", "recording"],
                  ["what", "s", "the", "range", "of", "the", "missile"],
                  ["whats", "the", "range"]):
        assert question_type(words) is QuestionType.MEASURE
        assert type_words(words) & {"length", "range"}
    assert question_type(["what", "was", "the", "date", "of", "it"]) is QuestionType.WHEN
    assert question_type(["what", "did", "the", "officers", "discuss"]) is QuestionType.WHAT


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


def _padded_grams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + 4] for i in range(max(1, len(padded) - 3))]


def test_grams_are_the_padded_four_letter_windows() -> None:
    from retrieval.features import _grams

    for n in range(0, 90):  # past the precomputed slices too
        word = "".join(chr(ord("a") + i % 26) for i in range(n))
        assert list(_grams(word)) == _padded_grams(word)


def test_get_many_equals_one_analysis_per_passage() -> None:
    texts = TEXTS + [f"Item {i} of the Berlin list, March {2000 + i}." for i in range(12)]
    plain = [analyse_passage(text, Analyzer()) for text in texts]
    cache = PassageCache(analyzer=Analyzer(), text_of=texts.__getitem__, limit=5)
    batched = PassageCache(analyzer=Analyzer(), text_of=texts.__getitem__, limit=5,
                           texts_of=lambda ids: [texts[i] for i in ids])
    orders = [[0, 1, 2, 3], [3, 1, 4, 5, 6, 7, 8, 9], [9, 8, 0], list(range(len(texts)))]
    for ids in orders:
        for c in (cache, batched):
            assert c.get_many(ids) == [plain[i] for i in ids]
            assert len(c._memo) <= 5  # the bound holds after a batch larger than it
    # A hit returns the cached analysis itself; a single get agrees with the batch.
    assert batched.get(len(texts) - 1) is batched.get_many([len(texts) - 1])[0]
    assert cache.get(1) == plain[1]


def test_texts_of_equals_text_of_each() -> None:
    from retrieval.corpus import Corpus
    from retrieval.documents import document_from_paragraphs

    corpus = Corpus([
        document_from_paragraphs(["One. Two sentences here.", "Third one!"], title="A"),
        document_from_paragraphs(["Another document. With two."], title="B"),
    ])
    ids = [4, 0, 2, 2, 1, 3]
    assert corpus.texts_of(ids) == [corpus.text(i) for i in ids]
    assert corpus.texts_of([]) == []


def test_question_hits_are_the_intersections_of_the_passage_sets() -> None:
    """The one-filter lookup finds exactly the question's words, prefixes and grams that
    the passage's own sets hold (words of every length, shared prefixes, stopwords)."""
    from retrieval.features import _grams, question_hits

    analyzer = Analyzer()
    passages = TEXTS + [
        "A b ab abc abcd abcde abcdefgh Berliner Berlinale the of x",
        "Ministries minister ministerial 1999 twenty",
    ]
    questions = [
        ["a", "ab", "abcd", "abcdx", "berlin", "minist", "1999", "cost"],
        ["b", "abc", "abcdefgh", "ecole", "finale", "defence", "x"],
        ["zzzz", "q"],
    ]
    for text in passages:
        info = analyse_passage(text, analyzer)
        for words in questions:
            wset = frozenset(words)
            prefixes = frozenset(w[:5] for w in words)
            grams = frozenset(g for w in words for g in _grams(w))
            found = question_hits(info, wset, prefixes, grams)
            assert found == (wset & info.word_set.keys(), prefixes & info.prefixes.keys(),
                             grams & info.grams.keys())
