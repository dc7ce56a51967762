"""A folder of several documents is ranked document by document (retrieval/routing.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from fakes.encoder import CountingEncoder

from retrieval import routing
from retrieval.analysis import Analyzer
from retrieval.answer import Answerer
from retrieval.corpus import load_corpus
from retrieval.engine import Engine, build_engine
from retrieval.index import BM25Index
from retrieval.routing import DocumentScores, distinctness
from retrieval.semantic import EncoderLoader, semantic_scorer

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "taurus-leak.txt"

LUTHER = """# Martin Luther

Martin Luther was a German priest and theologian.

Luther taught theology at the University of Wittenberg for many years.

Luther translated the Bible into German.

Luther married Katharina von Bora in 1525.

His body was buried beneath the pulpit of the Castle Church in Wittenberg.
"""

KHAN = """# Genghis Khan

Genghis Khan founded the Mongol Empire.

Years before his death, Genghis Khan asked to be buried without markings.

The empire grew after his death.
"""


def _folder(tmp_path: Path, *texts: tuple[str, str]) -> Path:
    tmp_path.mkdir(exist_ok=True)
    for name, text in texts:
        (tmp_path / name).write_text(text, "utf-8")
    return tmp_path


def _answerer(folder: Path, **kwargs: object) -> Answerer:
    corpus = load_corpus([folder])
    return Answerer(index=BM25Index(corpus=corpus, analyzer=Analyzer()), **kwargs)  # type: ignore[arg-type]


def test_a_folder_routes_and_a_single_document_does_not(tmp_path: Path,
                                                        engine: Engine) -> None:
    assert engine.answerer.router is None  # the bundled article alone
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    assert _answerer(folder).router is not None
    assert _answerer(folder, route=False).router is None


def test_parts_of_one_article_are_ranked_as_one(tmp_path: Path) -> None:
    """Documents on one topic share their recurring words: ranked apart, each part's own
    statistics and the merge lose more than they gain (benchmarks/pooled.py --split)."""
    text = ARTICLE.read_text("utf-8")
    cut = text.index("How was it leaked?")
    folder = _folder(tmp_path, ("part-one.txt", text[:cut]), ("part-two.txt", text[cut:]))
    index = BM25Index(corpus=load_corpus([folder]), analyzer=Analyzer())
    assert distinctness(index) < routing.MIN_DISTINCTNESS
    assert Answerer(index=index).router is None
    unrelated = _folder(tmp_path / "mixed", ("luther.md", LUTHER), ("khan.md", KHAN),
                        ("taurus.txt", text))
    mixed = BM25Index(corpus=load_corpus([unrelated]), analyzer=Analyzer())
    assert distinctness(mixed) >= routing.MIN_DISTINCTNESS


def test_a_folder_too_large_to_index_again_is_ranked_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    monkeypatch.setattr(routing, "MAX_ROUTED_PASSAGES", 5)
    assert _answerer(folder).router is None


def test_documents_score_by_the_question_words_they_hold(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    index = BM25Index(corpus=load_corpus([folder]), analyzer=Analyzer())
    titles = [d.title for d in index.corpus.documents]
    scores = DocumentScores(index)
    luther = scores.scores(["luther", "buri"])
    assert titles[int(np.argmax(luther))] == "Luther"
    assert (luther > 0).all()  # both documents hold "buried"
    khan = scores.scores(["khan", "mongol"])
    assert titles[int(np.argmax(khan))] == "Khan" and khan.min() == 0.0
    assert not scores.scores(["zebra"]).any()


def test_the_document_the_question_names_answers_it(tmp_path: Path) -> None:
    """Across the folder "Luther" is rare, so a one-collection ranking favours sentences
    that name him; within his document it is in almost every sentence, and the one that
    says where he was buried answers."""
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    answer = _answerer(folder).answer("Where was Luther buried?")
    assert answer.answered
    top = answer.citations[0]
    assert top.source == "Luther"
    assert top.quote.startswith("His body was buried beneath the pulpit")
    assert top.paragraph == 5 and top.section == "Martin Luther"


def test_within_a_document_the_folder_ranks_as_that_document_alone(
    tmp_path: Path, engine: Engine
) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    shutil.copy(ARTICLE, folder / ARTICLE.name)
    pooled = _answerer(folder)
    for question in ("Who posted the recording?", "What date was the meeting?",
                     "Who chairs the Bundestag defense committee?"):
        alone = engine.answerer.answer(question, k=3)
        routed = pooled.answer(question, k=3)
        assert routed.answered == alone.answered
        got = [(c.quote, c.source, c.section, c.paragraph) for c in routed.citations]
        want = [(c.quote, c.source, c.section, c.paragraph) for c in alone.citations]
        assert got == want, question
        corpus = pooled.index.corpus
        for citation in routed.citations:  # ids are the folder's own
            assert corpus.text(citation.passage_id) in citation.quote


def test_a_question_no_document_holds_is_declined(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    answer = _answerer(folder).answer("What is the population of Canada?")
    assert not answer.answered and answer.missing_terms == ("population", "Canada")


def test_a_word_only_a_heading_holds_still_finds_its_section(tmp_path: Path) -> None:
    """No passage holds "steppe", so no document scores: the folder's own ranking,
    which reads headings, answers."""
    khan = KHAN.replace("# Genghis Khan", "# Steppe rulers")
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", khan))
    answerer = _answerer(folder)
    assert answerer.router is not None
    assert answerer.router.rank("Steppe?", [Analyzer().stem("steppe")]) is None
    answer = answerer.answer("What about the steppe?")
    assert answer.citations and answer.citations[0].source == "Khan"


def test_document_answerers_are_rebuilt_after_eviction(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    answerer = _answerer(folder)
    router = answerer.router
    assert router is not None
    router._kept = 1
    first = answerer.answer("Who founded the Mongol Empire?").citations[0].quote
    answerer.answer("Whom did Luther marry?")
    assert answerer.answer("Who founded the Mongol Empire?").citations[0].quote == first
    assert len(router._answerers) == 1


def test_document_answerers_share_the_folders_sentence_vectors(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    corpus = load_corpus([folder])
    index = BM25Index(corpus=corpus, analyzer=Analyzer())
    encoder = CountingEncoder()
    scorer = semantic_scorer(corpus, EncoderLoader(lambda: encoder))
    assert scorer is not None
    answerer = Answerer(index=index, semantic=scorer)
    answerer.answer("Where was Luther buried?")
    # Sentences are encoded once for the folder, under the folder's passage ids, and the
    # question once for all the documents it is ranked in.
    assert encoder.texts.count("Where was Luther buried?") == 1
    assert len(set(encoder.texts)) == len(encoder.texts)
    known = np.flatnonzero(scorer._known)
    assert scorer.encoded == len(known) > 0
    shifted = scorer.shifted(3)
    assert np.allclose(shifted.cosines("buried", np.array([0, 1])),
                       scorer.cosines("buried", np.array([3, 4])))


def test_build_engine_routes_a_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    engine = build_engine([folder])
    assert engine.answerer.router is not None
    answer = engine.answerer.answer("Where was Luther buried?")
    assert answer.citations[0].quote.startswith("His body was buried")


def test_a_follow_up_is_routed_by_the_conversation_too(tmp_path: Path) -> None:
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    answerer = _answerer(folder)
    answer = answerer.answer("Where was he buried?", context="Who was Martin Luther?")
    assert answer.citations[0].source == "Luther"
    assert answer.citations[0].quote.startswith("His body was buried")
    router = answerer.router
    assert router is not None
    # The earlier turn's words weigh less than the question's own.
    scores = router._scores
    assert np.allclose(scores.scores(["luther"], [0.3]), 0.3 * scores.scores(["luther"]))


def test_in_a_folder_the_answering_document_must_answer_on_its_own(tmp_path: Path) -> None:
    """Every word of "Whom did Genghis Khan marry in 1525?" is somewhere in the folder,
    which alone would answer it; the Khan document, read alone, says nothing of a
    marriage or of 1525, so the question is declined (no word is missing from the folder,
    so none is named)."""
    folder = _folder(tmp_path, ("luther.md", LUTHER), ("khan.md", KHAN))
    answerer = _answerer(folder)
    question = "Whom did Genghis Khan marry in 1525?"
    ranking = answerer.rank(question)
    folder_wide = answerer.abstainer.judge(question, ranking.profile, ranking.ids[:1].tolist())
    assert folder_wide.answered
    answer = answerer.answer(question)
    assert not answer.answered and answer.missing_terms == ()
    assert answer.reason == "The documents do not seem to answer this."
    assert answer.citations and all(c.weak for c in answer.citations)
    assert answerer.answer("Whom did Luther marry?").answered


def test_a_name_held_by_another_document_of_the_folder_is_held(tmp_path: Path) -> None:
    """ "The revenue of Acme" may be answered by a report that only another document of
    the folder names; a name no document holds ("Initech") is another subject."""
    folder = _folder(
        tmp_path,
        ("company.md", "# Acme\n\nAcme builds drones in Graz.\n\nAcme was founded by two "
                       "engineers.\n"),
        ("report.md", "# Quarterly report\n\nRevenue rose to 5 million euros in the third "
                      "quarter.\n\nProfit fell because of higher battery prices.\n"),
    )
    answerer = _answerer(folder, route=True)
    for question in ("What was the revenue of Acme in the third quarter?",
                     "What was Acme's revenue in the third quarter?"):
        held = answerer.answer(question)
        assert held.answered and "5 million" in held.citations[0].quote, question
    other = answerer.answer("What was the revenue of Initech in the third quarter?")
    assert not other.answered and other.missing_terms == ("Initech",)
