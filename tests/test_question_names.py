"""The names a question asks about, and the features that tell which candidates hold
them."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.analysis import Analyzer
from retrieval.engine import Engine
from retrieval.features import name_terms
from retrieval.features_compute import FEATURE_NAMES

NAME_COLUMNS = [FEATURE_NAMES.index(n) for n in ("name_cov", "name_cov_with_prev",
                                                  "name_cov_para")]


@pytest.mark.parametrize(("question", "names"), [
    ("Is WebEx approved for military use?", {"webex"}),
    ("Who is Ingo Gerhartz?", {"ingo", "gerhartz"}),
    ("What did NATO's secretary general say?", {"nato"}),
    ("Russia said what about The Hague?", {"hagu"}),  # not the first word, nor "The"
    ("who leaked the audio?", set()),
])
def test_names_are_capitalised_words_after_the_first(question: str, names: set[str]) -> None:
    analyzer = Analyzer()
    terms = analyzer.question_terms(question)
    assert name_terms(question, analyzer, terms) == names


def test_names_must_be_question_terms() -> None:
    analyzer = Analyzer()
    assert name_terms("Was it Berlin?", analyzer, {"paris"}) == frozenset()


def _name_features(engine: Engine, question: str) -> dict[str, np.ndarray]:
    found = engine.answerer.candidates(question)
    corpus = engine.corpus
    return {corpus.text(int(pid)): found.features[row, NAME_COLUMNS]
            for row, pid in enumerate(found.ids)}


def test_candidates_holding_the_named_thing_are_told_apart(engine: Engine) -> None:
    by_text = _name_features(engine, "Is WebEx approved for military use?")
    webex = [t for t in by_text if "WebEx" in t]
    assert webex and len(by_text) > len(webex)
    for text, values in by_text.items():
        assert values[0] == (1.0 if "WebEx" in text else 0.0)
        assert values[2] >= values[1] >= values[0]


def test_half_the_names_is_half_the_coverage(engine: Engine) -> None:
    by_text = _name_features(engine, "What did Scholz tell Peskov?")
    lone = [v for t, v in by_text.items() if "Scholz" in t and "Peskov" not in t]
    assert lone and all(v[0] == 0.5 for v in lone)


def test_a_question_without_names_marks_the_columns_unused(engine: Engine) -> None:
    by_text = _name_features(engine, "who leaked the audio?")
    assert by_text and all((v == -1.0).all() for v in by_text.values())
