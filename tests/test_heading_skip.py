"""Section evidence: the fast paths (dense coverage, skipping uncovered sections) give
the same values as the plain definitions."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.analysis import Analyzer
from retrieval.answer import Answerer, heading_evidence
from retrieval.corpus import Corpus
from retrieval.documents import clean_document
from retrieval.features import context_window, expand_candidates, question_profile
from retrieval.index import BM25Index
from retrieval.related import RelatedWords, expand, parse_table

HEADED = """Harbour news

The town council met on Tuesday.

Why did the bridge close?

Engineers found deep cracks in two steel supports last week.
The council ordered traffic off until repairs are finished.

Café ½ opening and the ﬁnal bridge plans

The new café by the bridge opens in March, the council said.

What happened to the ferry?

The old boat returned to service on Monday with a new crew.
The bridge and the ferry share a timetable.
"""

QUESTIONS = [
    "Why was the bridge closed?", "What happened to the ferry?", "When does the café open?",
    "Who met on Tuesday?", "final bridge plans", "harbour news", "ferry bridge council",
]


def _answerer() -> Answerer:
    corpus = Corpus([clean_document(HEADED, path="harbour.txt")])
    return Answerer(index=BM25Index(corpus=corpus, analyzer=Analyzer()))


def test_coverage_sums_each_sections_shares_in_question_order() -> None:
    answerer = _answerer()
    sections = answerer.sections
    assert len(sections) >= 4 and not sections.plain.all()  # a non-ASCII heading too
    for question in QUESTIONS:
        profile = question_profile(question, answerer.index.analyzer, answerer.index.idf)
        coverage = sections.coverage(list(profile.terms), profile.weights)
        total = float(profile.weights.sum())
        want: dict[int, float] = {}
        for term, weight in zip(profile.terms, profile.weights.tolist(), strict=True):
            for sid in range(len(sections)):
                if sections.plain[sid] and term in sections.terms(sid)[1:]:
                    want[sid] = want.get(sid, 0.0) + weight / total
        plain_covered = [s for s in coverage.sections.tolist() if sections.plain[s]]
        assert plain_covered == sorted(want)
        got = dict(zip(coverage.sections.tolist(), coverage.shares.tolist(), strict=True))
        assert all(got[s] == want[s] for s in want)


def test_skipping_uncovered_sections_changes_no_evidence() -> None:
    answerer = _answerer()
    index, sections = answerer.index, answerer.sections
    keys = index.corpus.paragraph_keys
    every = np.arange(len(index), dtype=np.int64)
    for question in QUESTIONS:
        profile = question_profile(question, index.analyzer, index.idf)
        coverage = sections.coverage(list(profile.terms), profile.weights)
        for ids in (every, every[::-1][:3]):
            cands = expand_candidates(ids, keys)
            window = context_window(cands, keys)
            infos = answerer._cache.get_many(window.tolist())
            stems_at = [info.stem_counts for info in infos].__getitem__
            full = heading_evidence(profile, cands, sections, stems_at, window)
            fast = heading_evidence(profile, cands, sections, stems_at, window, coverage.sections)
            assert full.tolist() == fast.tolist(), question


RELATED_HEADED = """Port report

How has the city responded?

The mayor promised new money for repairs.
"We will rebuild the pier," she said on Friday.

What did the unions say?

Dock workers called the plan too small.
"""


def _related_answerer() -> Answerer:
    table = "react\trespond:0.72 repli:0.6\ntown\tciti:0.8\nharbor\tport:0.9\n"
    corpus = Corpus([clean_document(RELATED_HEADED, path="port.txt")])
    return Answerer(index=BM25Index(corpus=corpus, analyzer=Analyzer()),
                    related=RelatedWords(read=lambda: parse_table(table)))


def test_a_heading_meets_a_term_through_a_related_stem_by_its_cosine() -> None:
    answerer = _related_answerer()
    index, sections = answerer.index, answerer.sections
    profile = question_profile("How did the town react?", index.analyzer, index.idf)
    near = ({"citi": 0.8}, {"respond": 0.58})
    assert profile.terms == ("town", "react")
    coverage = sections.coverage(list(profile.terms), profile.weights, near)
    heading = next(s for s in range(len(sections)) if "respond" in sections.terms(s))
    weights = profile.weights / profile.weights.sum()
    got = dict(zip(coverage.sections.tolist(), coverage.shares.tolist(), strict=True))
    assert got == {heading: pytest.approx(0.8 * weights[0] + 0.58 * weights[1])}
    # Without related stems, nothing in the headings meets the question.
    assert len(sections.coverage(list(profile.terms), profile.weights)) == 0
    # A term the heading holds counts fully, whatever its related stems.
    exact = sections.coverage(["citi"], np.ones(1), ({"respond": 0.5},))
    assert exact.shares.tolist() == [1.0]


def test_only_close_relatives_stand_in_for_a_word_in_a_heading() -> None:
    answerer = _related_answerer()
    index = answerer.index
    profile = question_profile("How did the town react?", index.analyzer, index.idf)
    headings = answerer.sections.vocabulary
    table = answerer.related
    expansion = expand(profile, table, index.analyzer.stem, index.vocabulary, headings)
    assert expansion.in_headings == ({"citi": 0.8}, {"respond": 0.72})
    strict = RelatedWords(read=lambda: parse_table("react\trespond:0.6\n"))
    weak = expand(profile, strict, index.analyzer.stem, index.vocabulary, headings)
    assert weak.in_headings == ({}, {})  # below HEADING_MIN_COSINE
    assert weak.related[1] == {"respond": 0.6}  # still a related stem for the features


def test_a_paraphrased_heading_ranks_its_section_first() -> None:
    answerer = _related_answerer()
    plain = Answerer(index=answerer.index, related=RelatedWords(read=dict))
    question = "How did the town react?"
    answer = answerer.answer(question)
    assert answer.citations[0].section == "How has the city responded?"
    without = plain.answer(question)
    assert without.citations == () or (
        without.citations[0].section != "How has the city responded?")


def test_related_heading_evidence_adds_the_cosine_share() -> None:
    answerer = _related_answerer()
    index, sections = answerer.index, answerer.sections
    keys = index.corpus.paragraph_keys
    profile = question_profile("How did the town react?", index.analyzer, index.idf)
    near = ({"citi": 0.8}, {"respond": 0.58})
    cands = np.arange(len(index), dtype=np.int64)
    window = context_window(cands, keys)
    infos = answerer._cache.get_many(window.tolist())
    stems_at = [info.stem_counts for info in infos].__getitem__
    soft = heading_evidence(profile, cands, sections, stems_at, window, None, near)
    hard = heading_evidence(profile, cands, sections, stems_at, window)
    assert hard.tolist() == [0.0] * len(cands)
    first = int(sections.starts[next(s for s in range(len(sections))
                                     if "respond" in sections.terms(s))])
    weights = profile.weights / profile.weights.sum()
    # The wh-word "how" opens the heading too: its mean weight is added.
    share = 0.8 * weights[0] + 0.58 * weights[1] + profile.weights.mean() / profile.weights.sum()
    assert soft[first] == pytest.approx(share)
    assert soft[first + 1] == pytest.approx(share / 1.25)  # fading down the section
