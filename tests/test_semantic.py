"""The opt-in semantic feature: the numpy MiniLM encoder, passage vectors, and answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fakes.encoder import CountingEncoder

from bot.config import Settings
from retrieval.answer import Answerer, feature_names
from retrieval.corpus import Corpus
from retrieval.documents import document_from_paragraphs
from retrieval.encoder import DIMENSIONS, SentenceEncoder, dequantize, quantize
from retrieval.engine import Engine, build_engine
from retrieval.errors import ConfigError
from retrieval.quotes import quote_text
from retrieval.rerank import load_model
from retrieval.semantic import (
    SEMANTIC_FEATURES,
    EncoderLoader,
    SemanticScorer,
    semantic_scorer,
)

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "taurus-leak.txt"


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


@pytest.fixture(scope="module")
def semantic_engine() -> Engine:
    return build_engine([ARTICLE], semantic=True)


def _cosine(encoder: SentenceEncoder, a: str, b: str) -> float:
    first, second = encoder.encode([a, b])
    return float(first @ second)


@pytest.mark.parametrize(
    ("first", "second", "reference"),
    [
        # Cosines from the float32 model run by sentence-transformers 6.2 (torch 2.13).
        ("How much does it cost?", "What is the price?", 0.7707),
        ("How much does it cost?", "The cat sat on the mat.", 0.0008),
        ("Who leaked the audio?",
         "Margarita Simonyan posted a 38-minute audio recording on Telegram.", 0.4791),
        ("Who leaked the audio?", "Scholz refused to send the missiles.", 0.0788),
    ],
)
def test_encoder_matches_the_reference_model(
    encoder: SentenceEncoder, first: str, second: str, reference: float
) -> None:
    assert _cosine(encoder, first, second) == pytest.approx(reference, abs=0.005)


def test_encoder_vector_matches_reference_values(encoder: SentenceEncoder) -> None:
    vector = encoder.encode(["This is a test sentence."])[0]
    reference = [0.0843, 0.058, 0.0045, 0.1058, 0.0071, -0.0178]
    assert vector[:6] == pytest.approx(reference, abs=0.006)  # int8 weights: ~0.004 off


def test_encoder_gives_unit_rows_in_input_order_whatever_the_batching(
    encoder: SentenceEncoder,
) -> None:
    texts = [f"Sentence number {i} about {'missiles ' * (i % 7)}and bridges." for i in range(70)]
    together = encoder.encode(texts)
    assert together.shape == (70, DIMENSIONS) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.vstack([encoder.encode([t]) for t in texts[:5]])
    assert np.allclose(together[:5], alone, atol=1e-5)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🚀🔥 ‼", "ｆｕｌｌ－ｗｉｄｔｈ", "مرحبا بالعالم", "a\x00b\u200bc", "x" * 100_000,
     "word " * 50_000],
)
def test_encoder_handles_odd_and_enormous_text(encoder: SentenceEncoder, text: str) -> None:
    vector = encoder.encode([text])
    assert vector.shape == (1, DIMENSIONS) and np.isfinite(vector).all()
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)


def test_encode_nothing(encoder: SentenceEncoder) -> None:
    assert encoder.encode([]).shape == (0, DIMENSIONS)


def test_word_pieces_come_from_the_same_pass_as_the_vector(encoder: SentenceEncoder) -> None:
    texts = ["What date was the meeting?", "The conversation took place on Feb. 19."]
    vectors, pieces = encoder.encode_with_tokens(texts)
    assert np.array_equal(vectors, encoder.encode(texts))
    for text, rows in zip(texts, pieces, strict=True):
        # Every word piece but [CLS] and [SEP], each a unit vector.
        assert len(rows) == len(encoder.tokenizer.encode(text)) - 2
        assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    # A question is matched by its content pieces: no stopwords, no punctuation.
    _, (content,) = encoder.encode_with_tokens(["What date was the meeting?"], content=True)
    assert len(content) == 2  # "date", "meeting"
    _, (only_stopwords,) = encoder.encode_with_tokens(["Who is it?"], content=True)
    assert len(only_stopwords) == 4  # all pieces ("?" too) when none is content


def test_pieces_match_the_words_a_sentence_lacks_in_context(
    encoder: SentenceEncoder,
) -> None:
    texts = ["The conversation took place on Feb. 19.", "Kyiv has asked Germany for missiles.",
             "Who had a chat?"]
    scorer = SemanticScorer(loader=EncoderLoader(lambda: encoder), text_of=texts.__getitem__,
                            size=len(texts))
    talk, unrelated, same = scorer.piece_match("Who had a chat?", np.arange(3))
    assert talk > unrelated + 0.2  # "chat" is met by "conversation"
    assert same == -1.0  # a sentence that lacks none of the question's pieces
    assert np.array_equal(scorer.piece_match("Who had a chat?", np.array([1, 0])),
                          [unrelated, talk])


def test_quantize_round_trip_is_close() -> None:
    rng = np.random.default_rng(0)
    weights = {"m": rng.normal(size=(5, 8)).astype(np.float32), "b": np.ones(8, np.float32),
               "t": rng.normal(size=(2, 8)).astype(np.float32)}
    stored = quantize(weights)
    assert stored["m"].dtype == np.int8 and stored["m.scale"].shape == (5,)
    assert stored["t"].dtype == np.float32  # the two-row token-type table stays exact
    back = dequantize(stored)
    assert set(back) == {"m", "b", "t"}
    assert np.abs(back["m"] - weights["m"]).max() <= np.abs(weights["m"]).max() / 127


def test_bad_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="per-row scale"):
        dequantize({"m": np.zeros((3, 2), np.int8)})
    with pytest.raises(ValueError, match="lack"):
        SentenceEncoder({}, SentenceEncoder.load().tokenizer)


def test_scorer_encodes_each_passage_once() -> None:
    counting = CountingEncoder()
    texts = ["aa", "bbb", "cccc", "dd"]
    scorer = SemanticScorer(loader=EncoderLoader(lambda: counting), text_of=texts.__getitem__,
                            size=len(texts))
    first = scorer.cosines("zz", np.array([0, 1, 3, 0]))
    assert first.tolist() == [1.0, 0.0, 1.0, 1.0]  # "zz" has the length of "aa" and "dd"
    assert counting.texts == ["aa", "bbb", "dd", "zz"]
    scorer.cosines("yyy", np.array([1, 2]))
    assert counting.texts[4:] == ["cccc", "yyy"]  # only the new passage, then the question
    assert scorer.encoded == 4


def test_scorer_takes_the_vector_width_from_its_loader() -> None:
    """Another encoder's vectors (benchmarks/larger_encoder.py measures a 768-wide one)
    fit when the loader names their width."""
    texts = ["aa", "bbbbbbbbb", "cccc"]
    scorer = SemanticScorer(loader=EncoderLoader(lambda: CountingEncoder(width=8), dimensions=8),
                            text_of=texts.__getitem__, size=len(texts))
    # "zz" and "aa" share index 2; "bbbbbbbbb" (9) wraps to 1; "cccc" is at 4.
    assert scorer.cosines("zz", np.array([0, 1, 2])).tolist() == [1.0, 0.0, 0.0]
    assert scorer.cosines("z", np.array([1])).tolist() == [1.0]


def test_loader_loads_once() -> None:
    calls: list[int] = []

    def load() -> CountingEncoder:
        calls.append(1)
        return CountingEncoder()

    loader = EncoderLoader(load)
    assert loader.get() is loader.get() and calls == [1]


def test_no_scorer_above_the_passage_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import retrieval.semantic as semantic

    corpus = Corpus([document_from_paragraphs(["One. Two. Three."], title="t")])
    assert semantic_scorer(corpus, EncoderLoader(CountingEncoder)) is not None
    monkeypatch.setattr(semantic, "MAX_SEMANTIC_PASSAGES", 2)
    assert semantic_scorer(corpus, EncoderLoader(CountingEncoder)) is None
    with pytest.raises(ValueError, match="at most"):
        SemanticScorer(loader=EncoderLoader(CountingEncoder), text_of=str, size=3)


def test_semantic_answers_quote_the_article(semantic_engine: Engine) -> None:
    answerer = semantic_engine.answerer
    assert answerer.semantic is not None
    assert answerer.feature_names == feature_names() + SEMANTIC_FEATURES
    assert answerer.feature_names == feature_names(semantic=True)
    corpus = semantic_engine.corpus
    text = ARTICLE.read_text("utf-8")
    found = answerer.candidates("Who leaked the audio?")
    assert found.features.shape == (len(found.ids), len(feature_names()) + 4)
    assert found.shortlisted is not None
    for column in (-4, -2):  # the cosines, then the pieces' match; each with its gap
        values, gaps = found.features[:, column], found.features[:, column + 1]
        assert ((values >= -1.0) & (values < 1.0)).all()  # -1: the sentence lacks no piece
        best = values[found.shortlisted].max()
        assert np.allclose(gaps[found.shortlisted], values[found.shortlisted] - best)
        assert (gaps[~found.shortlisted] == 0.0).all()
        assert (values[~found.shortlisted] == 0.0).all()
    answer = answerer.answer("Who posted the recording?")
    assert answer.answered and "Simonyan" in answer.citations[0].quote
    for citation in answer.citations:
        assert citation.quote == quote_text(corpus, citation.passage_id)
        assert " ".join(citation.quote.split())[:40] in " ".join(text.split())


def test_semantic_still_declines_what_the_article_does_not_say(semantic_engine: Engine) -> None:
    for question in ("What is the population of Canada?", "Tell me a joke about cats"):
        answer = semantic_engine.answerer.answer(question)
        assert not answer.answered


def test_model_and_features_must_agree(semantic_engine: Engine) -> None:
    with pytest.raises(ValueError, match="different features"):
        Answerer(index=semantic_engine.index, reranker=load_model(),
                 semantic=semantic_engine.answerer.semantic)
    with pytest.raises(ValueError, match="different features"):
        Answerer(index=semantic_engine.index, reranker=load_model(semantic=True))


def test_setting_parses_and_names_its_key() -> None:
    assert Settings.from_env({}).semantic is None  # auto
    assert Settings.from_env({"CITEBOT_SEMANTIC": "Auto"}).semantic is None
    assert Settings.from_env({"CITEBOT_SEMANTIC": "on"}).semantic is True
    assert Settings.from_env({"CITEBOT_SEMANTIC": "off"}).semantic is False
    with pytest.raises(ConfigError, match="CITEBOT_SEMANTIC must be auto, on or off"):
        Settings.from_env({"CITEBOT_SEMANTIC": "maybe"})


def test_cli_ask_with_semantic_setting() -> None:
    env = {**os.environ, "CITEBOT_SEMANTIC": "on"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "Who posted the recording?"],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["answered"] is True and "Simonyan" in data["citations"][0]["quote"]


@pytest.mark.parametrize(
    ("setting", "by_default", "expected"),
    [("auto", True, True), ("auto", False, False), ("", True, True),
     ("off", True, False), ("on", False, True)],
)
def test_auto_ranks_semantically_where_the_entry_point_says(
    setting: str, by_default: bool, expected: bool, tmp_path: Path
) -> None:
    from bot.engine_setup import engine_from_settings

    settings = Settings.from_env({"CITEBOT_SEMANTIC": setting,
                                  "CITEBOT_CACHE_DIR": str(tmp_path)})
    engine = engine_from_settings(settings, [ARTICLE], semantic_by_default=by_default)
    assert (engine.answerer.semantic is not None) is expected


def _cli_json(*args: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", *args],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_cli_ask_ranks_semantically_by_default_and_keeps_the_vectors(
    semantic_engine: Engine, engine: Engine, tmp_path: Path
) -> None:
    from bot.cli import answer_to_json

    question = "What platform was used for the meeting?"
    semantic = answer_to_json(semantic_engine.answerer.answer(question))
    lexical = answer_to_json(engine.answerer.answer(question))
    assert semantic != lexical  # a question on which the two rankings differ
    env = {k: v for k, v in os.environ.items() if k != "CITEBOT_SEMANTIC"}
    env["CITEBOT_CACHE_DIR"] = str(tmp_path / "cache")
    assert _cli_json(question, env=env) == semantic
    # The bundled article's vectors ship with citebot: nothing to keep.
    assert not (tmp_path / "cache").exists()
    assert _cli_json(question, env={**env, "CITEBOT_SEMANTIC": "off"}) == lexical

    # Other documents: the first run keeps the vectors it encoded, the next reads them.
    copy = tmp_path / "docs" / "taurus-leak.txt"
    copy.parent.mkdir()
    copy.write_bytes(ARTICLE.read_bytes())
    with_docs = [question, "--docs", str(copy)]
    first = _cli_json(*with_docs, env=env)
    stored = list((tmp_path / "cache" / "vectors").iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".npz"
    written = stored[0].stat().st_mtime_ns
    assert _cli_json(*with_docs, env=env) == first
    assert stored[0].stat().st_mtime_ns == written  # nothing new was encoded
    assert first["citations"] == semantic["citations"]


def test_bundled_documents_use_the_shipped_vectors_even_without_a_cache() -> None:
    engine = build_engine(semantic=True, cache_dir=None)
    scorer = engine.answerer.semantic
    assert scorer is not None
    for question in ("Who posted the recording?", "What platform was used for the meeting?",
                     "What did the officers discuss?"):
        engine.answerer.answer(question)
    assert scorer.encoded > 0 and scorer.encoded_here == 0


def test_shipped_seed_vectors_cover_the_bundled_documents(encoder: SentenceEncoder) -> None:
    # Rebuild with benchmarks/build_seed_vectors.py when the seeds, cleaner or model change.
    from retrieval.vector_store import read_stored, shipped_seed_vectors, text_digest

    corpus = build_engine().corpus
    texts = [quote_text(corpus, i) for i in range(len(corpus))]
    shipped = read_stored(shipped_seed_vectors(), DIMENSIONS).vectors
    assert set(shipped) == {text_digest(t) for t in texts}
    fresh = encoder.encode(texts[:5])
    stored = np.vstack([shipped[text_digest(t)] for t in texts[:5]])
    assert np.allclose(fresh, stored, atol=1e-5)


def test_batches_bound_rows_and_padded_pieces() -> None:
    from retrieval.encoder import BATCH, BATCH_PIECES, _batches

    lengths = [3] * 40 + [100] * 30 + [256] * 10
    order = list(range(len(lengths)))
    batches = _batches(order, lengths)
    assert [row for batch in batches for row in batch] == order
    for batch in batches:
        assert len(batch) <= BATCH
        assert len(batch) * max(lengths[i] for i in batch) <= BATCH_PIECES
    assert _batches([], []) == []
    assert _batches([0], [10_000]) == [[0]]  # one long row still gets its batch


def _counting_answerer(engine: Engine, **options: object) -> tuple[Answerer, CountingEncoder]:
    counting = CountingEncoder()
    corpus = engine.corpus
    scorer = SemanticScorer(loader=EncoderLoader(lambda: counting),
                            text_of=lambda i: quote_text(corpus, i), size=len(corpus))
    return Answerer(index=engine.index, semantic=scorer, **options), counting  # type: ignore[arg-type]


def test_only_the_lexical_shortlist_is_encoded_and_reranked(engine: Engine) -> None:
    from retrieval.answer import SEMANTIC_SHORTLIST

    answerer, counting = _counting_answerer(engine, nearest=0)
    question = "What did the officers discuss about the missiles and the bridge?"
    found = answerer.candidates(question)
    assert len(found.ids) > SEMANTIC_SHORTLIST
    assert found.shortlisted is not None and found.lexical is not None
    assert int(found.shortlisted.sum()) == SEMANTIC_SHORTLIST
    assert len(counting.texts) == SEMANTIC_SHORTLIST + 1  # the shortlist, then the question
    # The shortlist is the lexical model's best (with the heading evidence it ranks with).
    cut = np.sort(found.lexical[found.shortlisted]).min()
    assert (found.lexical[~found.shortlisted] <= cut).all()
    assert (found.features[~found.shortlisted, -1] == 0).all()

    ranking = answerer.rank(question)
    first = set(ranking.ids[:SEMANTIC_SHORTLIST].tolist())
    assert first == set(found.ids[found.shortlisted].tolist())
    assert (np.diff(ranking.scores) <= 0).all()
    rest = [i for i in ranking.ids.tolist() if i not in first]
    by_lexical = dict(zip(found.ids.tolist(), found.lexical.tolist(), strict=True))
    assert [by_lexical[i] for i in rest] == sorted((by_lexical[i] for i in rest), reverse=True)


def _unshared_question(engine: Engine, passage_id: int) -> str:
    """A question of words the documents lack, as long as the passage's quote: the
    counting encoder gives the two the same vector."""
    length = len(quote_text(engine.corpus, passage_id)) % DIMENSIONS
    question = ("xylophonic " * DIMENSIONS)[:length - 1] + "?"
    assert not set(engine.index.analyzer.terms(question)) & set(engine.index.vocabulary)
    return question


def test_a_small_document_offers_the_passages_nearest_in_meaning(engine: Engine) -> None:
    from retrieval.answer import NEAREST_CANDIDATES

    target = 7  # any sentence
    question = _unshared_question(engine, target)
    answerer, counting = _counting_answerer(engine)
    found = answerer.candidates(question)
    assert found.shortlisted is not None
    assert target in found.ids[found.shortlisted].tolist()
    assert len(found.ids) >= NEAREST_CANDIDATES
    assert answerer.rank(question).ids[0] == target
    # Every passage of the small document was encoded once, then the question.
    assert len(counting.texts) == len(engine.corpus) + 1
    answerer.candidates("What did the officers discuss about the missiles?")
    assert len(counting.texts) == len(engine.corpus) + 2

    without, _ = _counting_answerer(engine, nearest=0)
    assert target not in without.candidates(question).ids.tolist()


def test_a_larger_document_encodes_only_its_shortlist(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval import answer
    from retrieval.answer import SEMANTIC_SHORTLIST

    monkeypatch.setattr(answer, "NEAREST_PASSAGES", len(engine.corpus) - 1)
    answerer, counting = _counting_answerer(engine)
    found = answerer.candidates("What did the officers discuss about the missiles and the bridge?")
    assert found.shortlisted is not None and int(found.shortlisted.sum()) == SEMANTIC_SHORTLIST
    assert len(counting.texts) == SEMANTIC_SHORTLIST + 1
    with pytest.raises(ValueError, match="nearest"):
        _counting_answerer(engine, nearest=-1)


def test_without_a_shortlist_every_candidate_is_encoded(engine: Engine) -> None:
    answerer, counting = _counting_answerer(engine, shortlist=None, nearest=0)
    found = answerer.candidates("What did the officers discuss about the missiles?")
    assert found.shortlisted is None
    assert len(counting.texts) == len(set(found.ids.tolist())) + 1


def test_shortlist_settings_are_checked(engine: Engine) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        _counting_answerer(engine, shortlist=0)
    with pytest.raises(ValueError, match="without sentence vectors"):
        _counting_answerer(engine, prefilter=load_model(semantic=True))


@pytest.mark.parametrize(("semantic", "warned"), [(True, True), (None, False)])
def test_too_many_passages_turn_vectors_off_warning_only_when_asked_for(
    semantic: bool | None, warned: bool, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    import retrieval.semantic as semantic_module

    monkeypatch.setattr(semantic_module, "MAX_SEMANTIC_PASSAGES", 2)
    with caplog.at_level(logging.INFO, logger="retrieval.engine"):
        engine = build_engine([ARTICLE], semantic=semantic, cache_dir=None)
    assert engine.answerer.semantic is None
    records = [r for r in caplog.records if "semantic ranking is off" in r.getMessage()]
    assert len(records) == 1
    assert (records[0].levelno == logging.WARNING) is warned
    assert engine.answerer.answer("Who posted the recording?").answered


def test_close_meaning_counts_for_a_missing_general_word(
    semantic_engine: Engine, engine: Engine
) -> None:
    # "software" is not in the article; the WebEx sentence is close in meaning.
    question = "What software was used for the meeting?"
    assert not engine.answerer.answer(question).answered  # words alone: declined
    answer = semantic_engine.answerer.answer(question)
    assert answer.answered and "WebEx" in answer.citations[0].quote
    assert semantic_engine.answerer.rank(question).top_cosine is not None


@pytest.mark.parametrize(
    "question",
    [
        "What did Joe Biden say about the recording?",  # missing names: never met by meaning
        "How much does a Taurus missile cost?",  # the value asked for is missing
        "Who won the football match?",
        "What is the population of Canada?",
    ],
)
def test_close_meaning_never_stands_in_for_names_or_the_value_asked(
    semantic_engine: Engine, question: str
) -> None:
    assert not semantic_engine.answerer.answer(question).answered


def test_meaning_credit_needs_a_close_cosine(engine: Engine) -> None:
    from retrieval.abstain import MEANING_MIN_COSINE

    answerer = engine.answerer
    question = "What software was used for the meeting?"
    ranking = answerer.rank(question)
    top = ranking.ids[:1].tolist()
    judge = answerer.abstainer.judge
    low = judge(question, ranking.profile, top, MEANING_MIN_COSINE - 0.01)
    none = judge(question, ranking.profile, top, None)
    high = judge(question, ranking.profile, top, 0.9)
    assert low == none and not none.answered
    assert high.answered and high.support > none.support
