"""Large documents stay compact: paragraph tables, batch analysis, the exact index on top."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

import retrieval.documents as documents
from retrieval.analysis import Analyzer
from retrieval.corpus import Corpus
from retrieval.documents import clean_document
from retrieval.index import BM25Index
from retrieval.paragraphs import ParagraphTable
from retrieval.progress import BuildProgress

WORDS = ["alpha", "beta", "gamma", "delta", "kernel", "module", "driver", "package", "fixes",
         "update", "build", "install", "header", "memory", "leak", "crash", "report",
         "network", "socket", "timeout"]


def _big_text(lines: int, seed: int = 3) -> str:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(lines):
        words = list(rng.choice(WORDS, size=int(rng.integers(1, 12))))
        line = " ".join(words)
        # a mix of body lines, heading-like lines and multi-sentence lines
        out.append(line.capitalize() + ("." if i % 3 else "") + (" It works." if i % 7 == 0
                                                                    else ""))
    return "\n\n".join(out) + "\n"


@pytest.fixture(scope="module")
def big() -> tuple[str, Corpus]:
    text = _big_text(21_000)
    document = clean_document(text, path="big.txt")
    return text, Corpus([document])


def test_large_document_keeps_paragraphs_as_arrays_with_same_content(
    big: tuple[str, Corpus], monkeypatch: pytest.MonkeyPatch
) -> None:
    text, corpus = big
    table = corpus.documents[0].paragraphs
    assert isinstance(table, ParagraphTable)
    monkeypatch.setattr(documents, "_TABLE_MIN_PARAGRAPHS", 10**9)
    plain = clean_document(text, path="big.txt")
    assert isinstance(plain.paragraphs, tuple)
    assert len(table) == len(plain.paragraphs)
    assert list(table[:50]) == list(plain.paragraphs[:50])
    assert table[-1] == plain.paragraphs[-1]
    assert table == plain.paragraphs
    reference = Corpus([plain])
    for name in ("doc_ids", "para_ids", "starts", "ends", "paragraph_keys"):
        np.testing.assert_array_equal(getattr(corpus, name), getattr(reference, name))
    assert corpus.paragraph_count == reference.paragraph_count
    p = corpus.passage(len(corpus) // 2)
    q = reference.passage(len(corpus) // 2)
    assert (p.text, p.section, p.paragraph_number) == (q.text, q.section, q.paragraph_number)


def test_index_over_a_large_corpus_equals_rank_bm25(big: tuple[str, Corpus]) -> None:
    _, corpus = big
    analyzer = Analyzer()
    index = BM25Index(corpus=corpus, analyzer=analyzer)
    tokens = [analyzer.terms(t) for t in corpus.texts()]
    assert [index.tokens[i] for i in range(0, len(corpus), 997)] == tokens[::997]
    reference = BM25Okapi(tokens, k1=index.k1, b=index.b, epsilon=index.epsilon)
    assert index.idf("kernel") == pytest.approx(reference.idf["kernel"], rel=1e-12)
    assert index.idf("no-such-term") == 0.0
    assert index.max_idf == pytest.approx(max(reference.idf.values()), rel=1e-12)
    rng = np.random.default_rng(5)
    for _ in range(15):
        question = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 5))))
        terms = analyzer.question_terms(question) + ["absentterm"]
        expected = np.asarray(reference.get_scores(terms))
        order = np.argsort(-expected, kind="stable")
        want = order[expected[order] > 0][:5]
        ids, scores = index.top(terms, 5)
        assert ids.tolist() == want.tolist()
        np.testing.assert_allclose(scores, expected[want], rtol=1e-9)
        some = rng.integers(0, len(corpus), size=40)
        np.testing.assert_allclose(index.scores_for(terms, some), expected[some], rtol=1e-9)


def test_progress_bar_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    with BuildProgress(stream=quiet) as progress:  # StringIO is not a TTY
        progress.start("analysing passages", total=10)
        progress.advance(10)
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    with BuildProgress(stream=shown, enabled=True, show_after=0) as progress:
        progress.start("analysing passages", total=10)
        progress.advance(10)
        progress.stage("sorting postings")
    assert "sorting postings" in shown.getvalue() or "analysing passages" in shown.getvalue()
