"""Stems taken from the index's own terms give the same analyses as stemming."""

from __future__ import annotations

from functools import partial

from retrieval.analysis import Analyzer
from retrieval.corpus import Corpus
from retrieval.documents import document_from_paragraphs
from retrieval.engine import build_engine
from retrieval.features import PassageCache, analyse_passage
from retrieval.index import BM25Index

PARAGRAPHS = (
    "Running runners ran 38 races in March 2019. The BIG two said so.",
    "École ﬁnale ½ cost_of_living—Ministry of Defence, 20 officials said.",
    "the the the",
    "Connections connected: Berlin, berlin and BERLIN were connecting.",
)


def _index() -> BM25Index:
    document = document_from_paragraphs(PARAGRAPHS, title="Stems")
    corpus = Corpus([document])
    return BM25Index(corpus=corpus, analyzer=Analyzer())


def test_index_terms_give_the_same_passage_analysis() -> None:
    index = _index()
    analyzer = index.analyzer
    for i in range(len(index.corpus)):
        text = index.corpus.text(i)
        plain = analyse_passage(text, Analyzer(), {})
        assert analyse_passage(text, analyzer, {}, partial(index.matrix.terms, i)) == plain


def test_index_terms_are_used_and_wrong_counts_ignored() -> None:
    index = _index()
    text = "Runners connected"
    calls: list[int] = []

    def terms() -> list[str]:
        calls.append(1)
        return ["X-run", "X-connect"]

    info = analyse_passage(text, index.analyzer, {}, terms)
    assert calls and info.stems == ("X-run", "X-connect")  # taken as given, not stemmed
    mismatched = analyse_passage(text, index.analyzer, {}, lambda: ["only-one"])
    assert mismatched == analyse_passage(text, Analyzer(), {})
    # A non-ASCII text: its tokens' folded words are looked up among the folded text's
    # words, aligned with the terms; a wrong count is ignored there too.
    non_ascii = analyse_passage("École runners", index.analyzer, {}, lambda: ["X", "Y"])
    assert non_ascii.stems == ("X", "Y")
    wrong = analyse_passage("École runners", index.analyzer, {}, lambda: ["X"])
    assert wrong == analyse_passage("École runners", Analyzer(), {})


def test_cache_with_index_terms_matches() -> None:
    index = _index()
    with_terms = PassageCache(analyzer=index.analyzer, text_of=index.corpus.text,
                              terms_of=index.matrix.terms)
    without = PassageCache(analyzer=Analyzer(), text_of=index.corpus.text)
    for i in range(len(index.corpus)):
        assert with_terms.get(i) == without.get(i)


def test_section_heading_terms_match_the_token_path() -> None:
    engine = build_engine(None)  # the bundled article, which has section headings
    answerer = engine.answerer
    sections = answerer.sections
    assert len(sections) > 0
    reference = PassageCache(analyzer=Analyzer(), text_of=engine.corpus.text)
    for sid in range(len(sections)):
        heading = sections._names[sid]
        assert sections.terms(sid) == reference.heading(heading)
