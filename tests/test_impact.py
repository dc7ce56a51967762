"""The impact index returns rank-bm25's own BM25Okapi scores, top ids and idf."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.analysis import Analyzer
from retrieval.impact import ImpactIndex
from retrieval.terms import TermMatrix, analyze_texts


def _reference_top(scores: np.ndarray, k: int) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    return order[scores[order] > 0][:k]


def _random_corpus(rng: np.random.Generator, n: int, vocab: int) -> list[list[str]]:
    # Zipf-like term frequencies so some terms are in more than half of the passages.
    words = [f"w{i}" for i in range(vocab)]
    weights = 1.0 / np.arange(1, vocab + 1) ** 1.1
    weights /= weights.sum()
    lengths = rng.integers(0, 14, size=n) * rng.integers(1, 4, size=n)
    drawn = rng.choice(vocab, size=int(lengths.sum()), p=weights).tolist()
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    return [[words[i] for i in drawn[lo:hi]] for lo, hi in zip(bounds, bounds[1:], strict=False)]


def _random_query(rng: np.random.Generator, vocab: int) -> list[str]:
    size = int(rng.integers(1, 6))
    query = [f"w{int(i)}" for i in rng.integers(0, vocab + 20, size=size)]  # some absent
    if rng.random() < 0.3:
        query.append(query[0])  # a repeated term counts twice in rank-bm25
    return query


def _ids(matrix: TermMatrix, query: list[str]) -> list[int]:
    index = {t: i for i, t in enumerate(matrix.vocabulary)}
    return [index[t] for t in query if t in index]


@pytest.mark.parametrize("seed", range(12))
def test_scores_and_top_equal_rank_bm25(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.choice([3, 40, 400, 3000]))
    vocab = int(rng.choice([5, 60, 800]))
    corpus = _random_corpus(rng, n, vocab)
    if not any(corpus):
        corpus[0] = ["w0"]
    k1, b, eps = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0, 1)), 0.25
    reference = BM25Okapi(corpus, k1=k1, b=b, epsilon=eps)
    matrix = TermMatrix.from_token_lists(corpus)
    index = ImpactIndex.build(matrix, k1=k1, b=b, epsilon=eps)
    for i, term in enumerate(matrix.vocabulary):
        assert index.idf[i] == pytest.approx(reference.idf[term], rel=1e-12, abs=1e-12)
    for _ in range(25):
        query = _random_query(rng, vocab)
        expected = np.asarray(reference.get_scores(query))
        q = _ids(matrix, query)
        np.testing.assert_allclose(index.scores(q), expected, rtol=1e-9, atol=1e-12)
        some = rng.integers(0, n, size=min(n, 50))
        np.testing.assert_allclose(index.scores_for(q, some), expected[some], rtol=1e-9,
                                   atol=1e-12)
        for k in (1, 5, 20):
            ids, scores = index.top(q, k)
            want = _reference_top(expected, k)
            assert ids.tolist() == want.tolist(), (query, k)
            np.testing.assert_allclose(scores, expected[want], rtol=1e-6)


@pytest.mark.parametrize("always_prune", [False, True])
def test_pruned_top_is_exact_on_a_larger_corpus(
    always_prune: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long postings take the pruned path; it must agree with exhaustive scoring."""
    if always_prune:  # prune even where accumulating would be cheaper
        import retrieval.impact

        monkeypatch.setattr(retrieval.impact, "_RATIO", 0)
    rng = np.random.default_rng(99)
    corpus = _random_corpus(rng, 20000, 3000)
    matrix = TermMatrix.from_token_lists(corpus)
    index = ImpactIndex.build(matrix, k1=1.2, b=0.3, epsilon=0.25)
    reference = BM25Okapi(corpus[:2000] + [["x"]], k1=1.2, b=0.3)  # small sanity reference
    assert reference.corpus_size == 2001
    for _ in range(60):
        q = _ids(matrix, _random_query(rng, 200))
        dense = index.scores(q)
        for k in (1, 5, 50):
            ids, scores = index.top(q, k)
            want = _reference_top(dense, k)
            assert ids.tolist() == want.tolist()
            np.testing.assert_array_equal(scores, dense[want])


def test_empty_passages_absent_terms_and_all_empty_corpus() -> None:
    corpus = [["a", "b"], [], ["b", "b", "c"], [], ["a"]]
    reference = BM25Okapi(corpus, k1=1.5, b=0.75, epsilon=0.25)
    matrix = TermMatrix.from_token_lists(corpus)
    index = ImpactIndex.build(matrix, k1=1.5, b=0.75, epsilon=0.25)
    for query in (["a"], ["b", "b"], ["zzz"], ["c", "zzz", "a"]):
        np.testing.assert_allclose(index.scores(_ids(matrix, query)),
                                   reference.get_scores(query), rtol=1e-12)
    nothing = ImpactIndex.build(TermMatrix.from_token_lists([[], []]), k1=1.2, b=0.3,
                                epsilon=0.25)
    assert nothing.scores([]).tolist() == [0.0, 0.0]
    assert nothing.top([], 3)[0].shape == (0,)


def test_batch_analysis_matches_the_analyzer_text_by_text() -> None:
    analyzer = Analyzer()
    texts = [
        "The Café’s owners were running late.", "", "It is.", "ǂqǂ marks nothing special",
        "ＦＵＬＬ-width ＴＥＸＴ and naïve coöperation", "Running runs ran; 2024 in 3.5 hours",
    ] * 3
    matrix = analyze_texts(analyzer, texts)
    assert [matrix.terms(i) for i in range(len(texts))] == [analyzer.terms(t) for t in texts]
    # first-appearance numbering, as rank-bm25's dictionaries meet the terms
    seen = list(dict.fromkeys(t for text in texts for t in analyzer.terms(text)))
    assert list(matrix.vocabulary) == seen


def test_merged_units_are_concatenations() -> None:
    matrix = TermMatrix.from_token_lists([["a"], ["b", "c"], [], ["a", "d"]])
    paragraphs = matrix.merged(np.array([0, 2, 4]))
    assert [paragraphs.terms(i) for i in range(len(paragraphs))] == [["a", "b", "c"], ["a", "d"]]


def test_exhaustive_top_and_its_tighter_floor_are_exact() -> None:
    """Accumulating every posting (the path for common terms), with the floor that a
    partition of the accumulated values gives, returns the reference top k."""
    rng = np.random.default_rng(7)
    corpus = _random_corpus(rng, 6000, 40)  # a small vocabulary: long, overlapping lists
    matrix = TermMatrix.from_token_lists(corpus)
    index = ImpactIndex.build(matrix, k1=1.2, b=0.3, epsilon=0.25)
    for n in range(40):
        # Several of the most common terms: the lists' heads give a weak floor.
        common = [f"w{int(i)}" for i in rng.choice(8, size=int(rng.integers(2, 5)),
                                                   replace=False)]
        q = _ids(matrix, common if n % 2 else _random_query(rng, 40))
        if not q:
            continue
        unique = list(dict.fromkeys(q))
        spans = [index._span(t) for t in unique]
        dense = index.scores(q)
        for k in (1, 3, 50, 400):
            ids, scores = index._top_exhaustive(q, unique, spans, k)
            want = _reference_top(dense, k)
            assert ids.tolist() == want.tolist()
            np.testing.assert_array_equal(scores, dense[want])


def test_best_keeps_ties_in_id_order() -> None:
    from retrieval.impact import _best

    ids = np.arange(100, dtype=np.int64)
    scores = np.array([3.0] * 30 + [5.0] * 10 + [0.0] * 20 + [1.0] * 40)
    for k in (1, 10, 11, 25, 45, 80, 100):
        got_ids, got_scores = _best(ids, scores, k)
        want = _reference_top(scores, k)
        assert got_ids.tolist() == want.tolist()
        assert got_scores.tolist() == scores[want].tolist()
