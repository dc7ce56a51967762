"""Related words: the shipped table, the reranking features and the decline rule."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.analysis import Analyzer
from retrieval.answer import Answerer, feature_names
from retrieval.corpus import Corpus
from retrieval.documents import document_from_paragraphs
from retrieval.engine import Engine
from retrieval.features import question_profile
from retrieval.index import BM25Index
from retrieval.related import (
    RELATED_FEATURES,
    RelatedWords,
    expand,
    parse_table,
    shipped_table,
)

TABLE = """# comment line
talk\tconvers:0.76 speak:0.72
sacked\tdismiss:0.64 fire:0.62
broken
"""


def small_table() -> RelatedWords:
    return RelatedWords(read=lambda: parse_table(TABLE))


def test_parse_table_skips_comments_and_lines_without_an_entry() -> None:
    assert parse_table(TABLE) == {"talk": "convers:0.76 speak:0.72",
                                  "sacked": "dismiss:0.64 fire:0.62"}


def test_related_gives_stems_with_cosines_best_first() -> None:
    table = small_table()
    assert table.related("talk") == (("convers", 0.76), ("speak", 0.72))
    assert table.related("talk") is table.related("talk")  # parsed once
    assert table.related("unknown") == ()


def test_damaged_items_are_skipped() -> None:
    table = RelatedWords(read=lambda: {"talk": "convers:0.76 bad:x :0.5 huge:7 speak:0.72"})
    assert table.related("talk") == (("convers", 0.76), ("speak", 0.72))


def test_the_shipped_table_relates_general_words_of_close_meaning() -> None:
    table = RelatedWords()
    assert "convers" in dict(table.related("talk"))
    assert {"fire", "dismiss"} <= set(dict(table.related("sacked")))
    for word, entry in list(shipped_table().items())[:500]:
        pairs = RelatedWords().related(word)
        assert pairs and entry
        cosines = [c for _, c in pairs]
        assert cosines == sorted(cosines, reverse=True)
        assert all(0.0 < c <= 1.0 for c in cosines)


def _profile(question: str, docs: list[str]):  # type: ignore[no-untyped-def]
    analyzer = Analyzer()
    corpus = Corpus([document_from_paragraphs(docs, title="Doc")])
    index = BM25Index(corpus=corpus, analyzer=analyzer)
    return question_profile(question, analyzer, index.idf), index


def _reference(profile, expansion, parts):  # type: ignore[no-untyped-def]
    """The features' definition, term by term."""
    weights = profile.weights / profile.weights.sum()
    own = soft = 0.0
    for term, weight, near in zip(profile.terms, weights, expansion.related, strict=True):
        if any(term in p for p in parts):
            own += weight
        else:
            soft += weight * max((c for s, c in near.items() if any(s in p for p in parts)),
                                 default=0.0)
    return own, soft


def test_expansion_keeps_related_stems_the_documents_hold() -> None:
    profile, index = _profile("When did the officers talk?",
                              ["The conversation took place on Monday.", "Officers spoke."])
    expansion = expand(profile, small_table(), index.analyzer.stem, index.vocabulary)
    by_term = dict(zip(profile.terms, expansion.related, strict=True))
    assert by_term["talk"] == {"convers": 0.76}  # "speak" is not in the documents
    assert by_term["offic"] == {}


def test_soft_coverage_matches_its_definition() -> None:
    profile, index = _profile("Will the officers be sacked after the talk?",
                              ["The conversation was leaked.", "No one would be fired.",
                               "Officers spoke to reporters."])
    expansion = expand(profile, small_table(), index.analyzer.stem, index.vocabulary)
    stems = [{"convers", "leak"}, {"fire"}, {"offic", "spoke"}, set()]
    previous = [None, {"convers", "leak"}, {"fire"}, {"offic"}]
    got = expansion.soft_coverage(profile, stems, previous)
    assert got.shape == (4, 2)
    for row, have, before in zip(got, stems, previous, strict=True):
        assert row[0] == pytest.approx(_reference(profile, expansion, (have,))[1])
        parts = (have, before) if before else (have,)
        assert row[1] == pytest.approx(_reference(profile, expansion, parts)[1])
    sacked = list(profile.terms).index("sack")
    assert got[1, 0] == pytest.approx(0.62 * profile.weights[sacked] / profile.weights.sum())
    assert got[2, 1] > got[2, 0]  # "fired" is in the sentence before


def test_soft_coverage_of_no_candidates_or_nothing_related() -> None:
    profile, index = _profile("the of", ["Some text here."])
    expansion = expand(profile, small_table(), index.analyzer.stem, index.vocabulary)
    assert expansion.soft_coverage(profile, [set()], [None]).tolist() == [[0.0, 0.0]]
    assert expansion.soft_coverage(profile, [], []).shape == (0, 2)


def test_answerer_appends_the_related_columns(engine: Engine) -> None:
    answerer = engine.answerer
    assert answerer.feature_names == feature_names()
    assert feature_names()[-len(RELATED_FEATURES):] == RELATED_FEATURES
    found = answerer.candidates("On what day did the officers talk?")
    assert found.features.shape == (len(found.ids), len(feature_names()))
    names = feature_names()
    soft = found.features[:, names.index("related_cov")]
    assert np.all(soft >= 0.0) and soft.max() > 0.0
    total = found.features[:, names.index("related_total_cov")]
    own = found.features[:, names.index("cov")]
    assert np.allclose(total, own + soft)
    with_prev = found.features[:, names.index("related_total_cov_with_prev")]
    assert np.all(with_prev >= total - 1e-12)


# "talk" is absent; the article says "conversation" next to "officers". (A noun here: a
# missing verb after "when" would weigh little even without a related word.)
TALK = "On what day was the officers' talk?"


def test_a_missing_word_met_by_a_related_one_is_not_a_decline(engine: Engine) -> None:
    answer = engine.answerer.answer(TALK)
    assert answer.answered, answer
    assert answer.missing_terms == ("talk",)  # still reported as absent word for word
    assert answer.extra["support"] < 1.0  # partly met


def test_without_the_table_the_missing_word_declines(engine: Engine) -> None:
    plain = Answerer(index=engine.index, related=RelatedWords(read=dict))
    assert not plain.answer(TALK).answered


@pytest.mark.parametrize(
    "question",
    ["What is the population of Canada?", "Tell me a joke about cats",
     "Who won the football match?", "What is the capital of Australia?"],
)
def test_unrelated_questions_still_decline(engine: Engine, question: str) -> None:
    assert not engine.answerer.answer(question).answered


def test_a_name_met_through_the_heading_of_its_section_answers(engine: Engine) -> None:
    # "Moscow" is in the article, but not in this section; its heading says "Russia".
    answer = engine.answerer.answer("How did Moscow react?")
    assert answer.answered, answer
    assert answer.citations[0].section == "How has Russia responded?"
    assert answer.missing_terms == ("react",)


def test_a_question_whose_only_word_is_met_by_a_related_one_answers(engine: Engine) -> None:
    """Every word of "Will anyone be sacked?" is absent; "fired" stands in the article."""
    table = RelatedWords(read=lambda: parse_table("sacked\tfire:0.77 dismiss:0.68\n"))
    answer = Answerer(index=engine.index, related=table).answer("Will anyone be sacked?")
    assert answer.answered, answer
    assert "no one would be fired" in answer.citations[0].quote
    assert answer.missing_terms == ("sacked",)
    assert answer.extra["support"] < 1.0


def test_a_question_of_absent_words_only_still_declines_without_a_close_one(
    engine: Engine,
) -> None:
    # A related stem below the abstainer's cosine, or one the documents lack, is no help.
    for row in ("sacked\tfire:0.62\n", "sacked\tdemot:0.77\n"):
        table = RelatedWords(read=lambda row=row: parse_table(row))
        answer = Answerer(index=engine.index, related=table).answer("Will anyone be sacked?")
        assert not answer.answered, (row, answer)
        assert answer.missing_terms == ("sacked",)


def test_a_question_of_one_absent_word_is_looked_up_by_its_relative(engine: Engine) -> None:
    # The shipped table: "talk" -> convers (0.76); the article has no "talk" but says
    # when the conversation took place.
    answer = engine.answerer.answer("When was the talk?")
    assert answer.answered, answer
    assert "took place on Feb. 19" in answer.citations[0].quote
    assert answer.missing_terms == ("talk",)
