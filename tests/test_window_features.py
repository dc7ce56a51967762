"""Windows as token ids (retrieval/window.py, retrieval/features_window.py) give exactly
the analyses, feature matrices, heading evidence and answers of per-passage analysis."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.answer import Answerer
from retrieval.corpus import Corpus
from retrieval.documents import document_from_paragraphs
from retrieval.engine import build_engine
from retrieval.features import (
    PassageCache,
    analyse_passage,
    context_window,
    expand_candidates,
    question_profile,
)
from retrieval.features_compute import feature_matrix
from retrieval.index import BM25Index
from retrieval.window import WindowBuilder

QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "article-dev.jsonl"
_WORDS_TEXT = (
    "Berlin berlin BERLIN March 2019 1999 38 two thousand the of and said minister "
    "ministry École ﬁnale ½ cost_of_living—defence Defence running runners ran race "
    "races connection connected Paris paris when where who how many percent Jan dozen "
    "Margarita Simonyan Olaf km minutes Kilometres"
)
WORDS = _WORDS_TEXT.split()


def _paragraphs(seed: int, count: int) -> list[str]:
    """Sentences mixing names (some of several capitalised words), numbers, units, dates,
    stopwords and non-ASCII words."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        sentences = [
            _capitalised(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 14)))) + "."
            for _ in range(rng.randint(1, 6))
        ]
        out.append(" ".join(sentences))
    return out + ["", "the the the", "½ — ﬁ."]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _index(seed: int = 3, count: int = 40) -> BM25Index:
    corpus = Corpus([document_from_paragraphs(_paragraphs(seed, count), title="Mixed")])
    return BM25Index(corpus=corpus, analyzer=Analyzer())


def _builder(index: BM25Index, **kwargs: int) -> WindowBuilder:
    return WindowBuilder(analyzer=index.analyzer, texts_of=index.corpus.texts_of,
                         terms_of=index.matrix.terms, matrix=index.matrix, **kwargs)


def test_window_tokens_have_the_passage_analysis() -> None:
    index = _index()
    builder = _builder(index)
    n = len(index.corpus)
    for ids in (list(range(n)), list(range(n - 1, -1, -3)), [0, 0, 1]):
        win = builder.window(ids)
        table = win.table
        for place, pid in enumerate(ids):
            info = analyse_passage(index.corpus.text(pid), Analyzer())
            a, b = int(win.offsets[place]), int(win.offsets[place + 1])
            stems = [table.stems[s] if s >= 0 else None for s in win.stems[a:b].tolist()]
            assert stems == list(info.stems)
            assert win.kinds[a:b].tolist() == list(info.kinds)
            words = {i: w for w, i in table.word_ids.items()}
            for token, record in zip(win.tokens[a:b].tolist(), info.tokens, strict=True):
                assert words[int(table.word_of[token])] == record[0]
                assert table.content_words[token] == record[6]
                assert table.prefixes[token] == record[5]
                assert table.grams[token] == record[4]
            assert win.stem_set(place) == set(info.stem_counts)
            assert builder.stems(pid) == set(info.stem_counts)


def test_a_full_token_table_is_cleared_and_rebuilt_the_same() -> None:
    index = _index()
    small = _builder(index, token_limit=20, limit=5)
    full = _builder(index)
    ids = list(range(len(index.corpus)))
    for start in range(0, len(ids), 4):
        part = ids[start : start + 4]
        a, b = small.window(part), full.window(part)
        assert len(small.table) <= 20 + len(a.tokens)  # cleared before each window
        names = [[w.table.stems[s] if s >= 0 else None for s in w.stems.tolist()]
                 for w in (a, b)]
        assert names[0] == names[1]
        assert a.kinds.tolist() == b.kinds.tolist()
        assert a.offsets.tolist() == b.offsets.tolist()


def _questions() -> list[str]:
    found = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()
             if line.strip()] if QUESTIONS.exists() else []
    rng = random.Random(5)
    made = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 7))) + "?"
            for _ in range(40)]
    return found + made + ["How many ministers said so in March 2019?", "Who ran?",
                           "How far did Berlin run?", "What was the length of the race?",
                           "What did the chancellor call the breach?",
                           "What did the defense minister warn about the leak?"]


def test_feature_matrices_are_identical_to_the_passage_path() -> None:
    compared = 0
    for index in (_index(), build_engine(None).index):
        keys = index.corpus.paragraph_keys
        cache = PassageCache(analyzer=index.analyzer, text_of=index.corpus.text)
        builder = _builder(index)
        every = np.arange(len(index), dtype=np.int64)
        for question in _questions():
            for context in (None, "Berlin said two thousand in 1999"):
                q = question_profile(question, index.analyzer, index.idf, context=context)
                ids, _ = index.top(list(q.terms), 50)
                for chosen in (ids, every[::7]):
                    if not len(chosen):
                        continue
                    cands = expand_candidates(chosen, keys)
                    window = context_window(cands, keys)
                    scores = index.scores_for(list(q.terms), window)
                    by_passage = feature_matrix(q, cands, window, scores,
                                                cache.get_many(window.tolist()), keys, index.idf)
                    by_tokens = feature_matrix(q, cands, window, scores,
                                               builder.window(window.tolist()), keys, index.idf)
                    assert by_tokens.tobytes() == by_passage.tobytes(), question
                    compared += 1
    assert compared > 100


def test_answers_are_identical_with_token_windows() -> None:
    engine = build_engine(None)
    plain = Answerer(index=engine.index)
    tokens = Answerer(index=engine.index, token_windows=True)
    assert plain._windows is None and tokens._windows is not None
    for question in _questions():
        a, b = plain.candidates(question), tokens.candidates(question)
        assert a.ids.tolist() == b.ids.tolist()
        assert a.features.tobytes() == b.features.tobytes()
        assert (a.heading is None) == (b.heading is None)
        if a.heading is not None and b.heading is not None:
            assert a.heading.tobytes() == b.heading.tobytes()
        assert plain.answer(question) == tokens.answer(question)
