"""Titles stand for the people they name (retrieval.titles)."""

from __future__ import annotations

import pytest

from retrieval.abstain import general_stems
from retrieval.analysis import Analyzer
from retrieval.answer import Answerer, feature_names
from retrieval.corpus import Corpus
from retrieval.documents import document_from_paragraphs
from retrieval.engine import Engine
from retrieval.index import BM25Index
from retrieval.titles import ALIAS_COSINE, TitleAliases, _names_after

PARAGRAPHS = [
    "But Chancellor Olaf Scholz has so far refused to send the missiles to Ukraine.",
    "According to Defense Minister Boris Pistorius, the platform is used for meetings.",
    "The head of the RT channel, Margarita Simonyan, posted the audio on Telegram.",
    "Kiesewetter told German broadcaster ZDF that more leaks would follow.",
    "The scandal exposes a breach that Scholz himself described as very serious.",
    "Pistorius has warned that the leak is part of an information war.",
    "The weather in the capital was mild for the season.",
]


@pytest.fixture(scope="module")
def index() -> BM25Index:
    corpus = Corpus([document_from_paragraphs(PARAGRAPHS, title="Doc")])
    return BM25Index(corpus=corpus, analyzer=Analyzer())


def _after(text: str, word: str) -> list[str]:
    return _names_after(text, word, Analyzer(), general_stems())


def test_a_title_right_before_a_full_name_stands_for_its_last_word() -> None:
    assert _after(PARAGRAPHS[0], "chancellor") == ["scholz"]
    assert _after(PARAGRAPHS[1], "minister") == ["pistorius"]


def test_words_of_the_title_before_it_count_too() -> None:
    assert _after(PARAGRAPHS[1], "defense") == ["pistorius"]
    assert _after("Former Russian President Dmitry Medvedev wrote.", "russian") == ["medvedev"]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        (PARAGRAPHS[2], "head"),  # "head *of* ...": not a title standing before the name
        (PARAGRAPHS[3], "broadcaster"),  # an acronym, not a person's name
        ("Chancellor Scholz spoke.", "chancellor"),  # one word: not a full name
        ("The minister met Boris Pistorius and others.", "minister"),  # a verb between
        ("Kremlin spokesman Dmitry Peskov said so.", "kremlin"),  # past a lower-case word
        (PARAGRAPHS[0], "refused"),
    ],
)
def test_no_alias_without_a_title_before_a_full_name(text: str, word: str) -> None:
    assert _after(text, word) == []


def test_aliases_are_read_from_the_documents_and_kept(index: BM25Index) -> None:
    titles = TitleAliases(index, general_stems)
    assert titles.aliases("chancellor") == {"scholz": ALIAS_COSINE}
    assert titles.aliases("chancellor") is titles.aliases("chancellor")
    assert titles.aliases("weather") == {}
    assert titles.aliases("the") == {}
    assert titles.aliases("nowhere") == {}


def test_a_question_about_a_title_finds_what_the_person_said(index: BM25Index) -> None:
    answer = Answerer(index=index).answer("What did the chancellor call the breach?")
    assert answer.answered, answer
    assert "very serious" in answer.citations[0].quote
    # Sentences that name the person, not the title, are met through the alias.
    found = Answerer(index=index).candidates("What did the defense minister warn about?")
    column = found.features[:, feature_names().index("related_cov")].tolist()
    related = dict(zip(found.ids.tolist(), column, strict=True))
    assert related[5] > 0.0  # "Pistorius has warned ..."
    assert related[1] == 0.0  # "According to Defense Minister Boris Pistorius ..."


def test_the_bundled_article_knows_its_chancellor(engine: Engine) -> None:
    answer = engine.answerer.answer("What did the chancellor call the breach?")
    assert answer.answered, answer
    assert "very serious" in answer.citations[0].quote


def test_a_large_collection_reads_no_aliases(index: BM25Index,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("retrieval.titles.MAX_PASSAGES", len(index) - 1)
    assert TitleAliases(index, general_stems).aliases("chancellor") == {}
