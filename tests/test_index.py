"""The BM25 index over the bundled article's sentences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.engine import Engine, build_engine


def test_top_returns_best_first_with_positive_scores(engine: Engine) -> None:
    index = engine.index
    terms = index.analyzer.question_terms("Kerch Strait bridge")
    ids, scores = index.top(terms, 5)
    assert len(ids) >= 1 and np.all(np.diff(scores) <= 0) and np.all(scores > 0)
    assert "Kerch Strait" in engine.corpus.text(int(ids[0]))


def test_scores_for_matches_scores(engine: Engine) -> None:
    index = engine.index
    terms = index.analyzer.question_terms("Taurus missiles reach targets")
    full = index.scores(terms)
    ids = np.array([0, 3, 7, 9])
    assert np.allclose(index.scores_for(terms, ids), full[ids])


def test_passages_with_a_term_are_those_it_scores(engine: Engine) -> None:
    index = engine.index
    [term] = index.analyzer.question_terms("Taurus")
    held = index.passages_with(term)
    assert held.tolist() == sorted(held.tolist()) and len(held) > 3
    assert held.tolist() == np.flatnonzero(index.scores([term]) > 0).tolist()
    assert index.passages_with("zzzunknown").shape == (0,)


def test_search_gives_typed_results_and_unknown_terms_score_nothing(engine: Engine) -> None:
    index = engine.index
    results = index.search(index.analyzer.question_terms("WebEx platform"), k=2)
    assert results and "WebEx" in results[0].passage.text and results[0].score > 0
    assert index.search(["zzzunknown"], k=3) == []
    assert index.idf("zzzunknown") == 0.0
    assert index.idf("webex") > index.idf("record")


@pytest.mark.parametrize(
    "text",
    [
        "The mayor said the new bridge would open in the spring of next year.\n",
        "The mayor said the new bridge would open in the spring of next year.\n\n"
        "Engineers held a long meeting about the budget of the whole project.\n",
    ],
)
def test_a_one_or_two_sentence_document_can_be_asked(tmp_path: Path, text: str) -> None:
    # Okapi's idf is zero or less for every term of so small a corpus.
    doc = tmp_path / "note.txt"
    doc.write_text(text)
    engine = build_engine([doc])
    assert all(engine.index.idf(t) > 0 for t in engine.index.vocabulary)
    answer = engine.answerer.answer("When will the new bridge open?")
    assert answer.answered and "bridge would open" in answer.citations[0].quote
    assert not engine.answerer.answer("What is the capital of Australia?").answered
