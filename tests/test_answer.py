"""Answer ranking, quotes and declining on the bundled article."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest

from retrieval.abstain import (
    SpellingShapes,
    attribute_nouns,
    misspells,
    names_asked_of,
    predicate_words,
    within_edits,
)
from retrieval.analysis import Analyzer
from retrieval.answer import Answer, Answerer, Citation
from retrieval.corpus import Corpus
from retrieval.documents import document_from_paragraphs
from retrieval.engine import Engine, build_engine
from retrieval.index import BM25Index
from retrieval.quotes import is_fragment
from retrieval.rerank import load_model, model_from_json
from retrieval.sentences import MAX_SENTENCE_CHARS


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("Who posted the recording?", "Margarita Simonyan, posted a 38-minute"),
        ("How far can Taurus missiles reach?", "500 kilometers"),
        ("When was Crimea annexed?", "2014"),
        ("What role does Peskov have?", "Kremlin spokesman Dmitry Peskov"),
        ("Who chairs the Bundestag defense committee?", "chair of the defense committee"),
        ("What did Medvedev write?", "Germany is preparing for war with Russia"),
    ],
)
def test_answers_with_the_right_quote(engine: Engine, question: str, gold: str) -> None:
    answer = engine.answerer.answer(question)
    assert answer.answered, answer
    top = answer.citations[0]
    assert gold in top.quote
    assert top.quote in engine.corpus.documents[0].text  # verbatim
    assert top.source == "Taurus leak" and top.paragraph >= 1 and not top.weak


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What is the population of Canada?", ("population", "Canada")),
        ("What did Joe Biden say about the recording?", ("Joe", "Biden")),
        ("Tell me a joke about cats", ("joke", "cats")),
        ("How much does a Taurus missile cost?", ("cost",)),
        # An attribute asked of something the article names, which it never states.
        ("What is the capital of Germany?", ("capital",)),
        ("Who won the election in France?", ("election",)),
        ("Who is the king of Britain?", ("king",)),
    ],
)
def test_declines_when_specific_words_are_missing(
    engine: Engine, question: str, missing: tuple[str, ...]
) -> None:
    answer = engine.answerer.answer(question)
    assert not answer.answered
    assert set(missing) <= set(answer.missing_terms)
    assert all(c.weak for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "Tell me who posted the recording.",
        "According to the article, who posted the recording?",
        "Please explain who posted the recording",
        "Can you tell me who posted the recording?",
    ],
)
def test_request_framing_is_not_missing_content(engine: Engine, question: str) -> None:
    answer = engine.answerer.answer(question)
    assert answer.answered and answer.missing_terms == ()
    assert "Margarita Simonyan" in answer.citations[0].quote


def test_request_framing_alone_is_nothing_to_look_up(engine: Engine) -> None:
    answer = engine.answerer.answer("Please tell me.")
    assert not answer.answered and answer.missing_terms == ()


def test_request_words_the_documents_hold_are_content(tmp_path: Path) -> None:
    doc = tmp_path / "treaty.txt"
    doc.write_text("The treaty was signed in Washington by twelve countries in April 1949. "
                   "Article 5 of the treaty covers mutual defence between its members.\n\n"
                   "Its other articles deal with consultation, new members and withdrawal.\n")
    engine = build_engine([doc])
    answer = engine.answerer.answer("Which article covers mutual defence?")
    assert answer.answered and "Article 5" in answer.citations[0].quote
    declined = engine.answerer.answer("What does the article say about the weather?")
    assert not declined.answered and "weather" in declined.missing_terms


def test_courtesy_words_are_never_content(tmp_path: Path) -> None:
    # The documents say "please" and "thanks" too; a question's courtesy is not what it
    # asks about, so it neither ranks nor weighs in the verdict.
    (tmp_path / "upgrading.md").write_text(
        "# Upgrading\n\nUpgrade the tool by running its installer again.\n\n"
        "Upgrades keep your settings.\n", "utf-8")
    (tmp_path / "help.md").write_text(
        "# Help\n\nIf you want to learn how to use the tool, please read the guide.\n\n"
        "Please report security issues by e-mail, thanks.\n\nThanks to all who helped.\n",
        "utf-8")
    (tmp_path / "install.md").write_text(
        "# Install\n\nInstall the tool from the package index.\n", "utf-8")
    engine = build_engine([tmp_path])
    for question in ("hey, can you tell me how to upgrade the tool please?",
                     "Thanks! How do I upgrade the tool, please?"):
        answer = engine.answerer.answer(question)
        assert answer.answered and "Upgrade the tool" in answer.citations[0].quote


def test_an_attribute_stated_without_its_name_is_still_answered(engine: Engine) -> None:
    answer = engine.answerer.answer("What is the role of Peskov?")
    assert answer.answered and answer.missing_terms == ("role",)
    assert "Kremlin spokesman Dmitry Peskov" in answer.citations[0].quote


@pytest.mark.parametrize(
    ("question", "attributes"),
    [
        ("What is the capital of Germany?", {"capital"}),
        ("Who won the election in France?", {"election"}),
        ("What is the role of Peskov?", set()),  # stated without its name
        ("What are the reasons for the leak?", set()),
        ("In the wake of the leak, who resigned?", set()),  # an idiom
        ("What was the main radio network in the 1940s in America?", set()),
        ("Who chairs the Bundestag defense committee?", set()),
    ],
)
def test_attribute_nouns(question: str, attributes: set[str]) -> None:
    assert attribute_nouns(Analyzer().words(question)) == attributes


@pytest.mark.parametrize(
    ("question", "verbs"),
    [
        ("What does the bridge connect?", {"connect"}),
        ("Who led the call?", {"led"}),
        ("Where was the recording published?", {"published"}),
        ("Could a Russian have joined the call?", {"joined"}),
        ("Will anyone be sacked?", {"sacked"}),
        ("Who won the football match?", {"won"}),
        ("What did the officers say about the Kerch bridge?", set()),
        ("Will there be consequences for the officers?", set()),
        ("Which ports could the strike spread to?", {"spread"}),
        ("What is the population of Canada?", set()),
        ("How can I make installs repeatable?", {"make"}),
        ("How do we configure a proxy for pip?", {"configure"}),
        ("Where should you store the token?", {"store"}),
    ],
)
def test_predicate_words_by_their_place(question: str, verbs: set[str]) -> None:
    assert predicate_words(Analyzer().words(question)) == verbs


_PORT_STRIKE = (
    "Dockworkers at the port of Rotterdam walked off the job on Tuesday.\n\n"
    "The union has warned that it could extend the strike to the ports of Amsterdam "
    "and Vlissingen.\n\n"
    "Rotterdam is Europe's largest port, handling about 440 million tonnes a year.\n"
)
_DRONE_MAKER = (
    "Aerovista, a company based in Graz, was founded in 2011 by two engineers.\n\n"
    "Its first product was a camera mount for film crews.\n\n"
    "The company now builds a drone for farmers and mountain rescue services.\n\n"
    "The batteries of the drone let it reach targets up to 40 kilometres away.\n\n"
    "Each unit carries a thermal camera and a loudspeaker.\n\n"
    "Sales grew by a third last year, mostly in Austria and Switzerland.\n"
)


@pytest.mark.parametrize(
    ("text", "question", "quoted", "missing", "priced"),
    [
        # A verb before a closing preposition is still the question's verb.
        (_PORT_STRIKE, "Which ports could the strike spread to?", "Amsterdam", ("spread",),
         "port"),
        # "How far" names the value asked for, so the missing "fly" is the text's own
        # verb ("reach") in other words; in "How much does it cost?" it is the value.
        (_DRONE_MAKER, "How far can the drone fly?", "40 kilometres", ("fly",), "drone"),
    ],
)
def test_a_missing_verb_is_the_texts_own_but_a_missing_cost_is_the_value(
    tmp_path: Path, text: str, question: str, quoted: str, missing: tuple[str, ...],
    priced: str,
) -> None:
    doc = tmp_path / "news.txt"
    doc.write_text(text, "utf-8")
    engine = build_engine([doc])
    answer = engine.answerer.answer(question)
    assert answer.answered and quoted in answer.citations[0].quote
    assert answer.missing_terms == missing
    declined = engine.answerer.answer(f"How much does the {priced} cost?")
    assert not declined.answered and declined.missing_terms == ("cost",)


def test_a_size_or_an_age_needs_a_number_in_the_answer(tmp_path: Path,
                                                       engine: Engine) -> None:
    """ "How old / tall / heavy ...?" is answered by a number or a unit of measure: a best
    sentence that holds neither does not answer it, whatever words it shares."""
    doc = tmp_path / "news.txt"
    doc.write_text(_DRONE_MAKER, "utf-8")
    drone = build_engine([doc]).answerer
    declined = drone.answer("How heavy is the loudspeaker?")
    assert not declined.answered and declined.missing_terms == ()
    assert declined.reason and "value" in declined.reason
    assert drone.answer("How far can the drone fly?").answered
    assert drone.answer("How old is Aerovista?").answered  # "founded in 2011"
    assert not engine.answerer.answer("How old is Olaf Scholz?").answered
    for question in ("How far can Taurus missiles fly?", "How long is the recording?",
                     "How big is the Kerch bridge?"):
        answer = engine.answerer.answer(question)
        assert not answer.answered or any(ch.isdigit() for ch in answer.citations[0].quote)


def test_a_height_or_a_speed_is_not_a_year_or_a_time(tmp_path: Path, engine: Engine) -> None:
    """A height, a weight or a speed is given in digits or a unit of its own: "annexed by
    Russia in 2014", "at one point" and "last year" do not answer it, though an age may be
    a year ("founded in 2011"). "What is the *speed* of ..." asks for a size too."""
    for question in ("How tall is the Kerch bridge?", "How wide is the Kerch bridge?",
                     "What is the speed of a Storm Shadow missile?"):
        answer = engine.answerer.answer(question)
        assert not answer.answered, question
        assert answer.reason and "value" in answer.reason
    doc = tmp_path / "news.txt"
    doc.write_text(_DRONE_MAKER, "utf-8")
    drone = build_engine([doc]).answerer
    assert not drone.answer("How fast did sales grow last year?").answered
    assert not drone.answer("What is the weight of the thermal camera?").answered
    assert drone.answer("How far can the drone fly?").answered
    assert drone.answer("How old is Aerovista?").answered


def test_something_asked_of_a_name_the_documents_lack_is_declined(engine: Engine) -> None:
    """ "The chancellor of *Austria*" is another subject than the article's chancellor,
    however well "chancellor" is met; a name that is present keeps the question."""
    for question in ("Who is the Chancellor of Austria?", "Who is Austria's chancellor?",
                     "What is the role of the Austrian Chancellor?"):
        answer = engine.answerer.answer(question)
        assert not answer.answered, question
    for question in ("Who is the Chancellor of Austria?", "Who is Austria's chancellor?"):
        assert engine.answerer.answer(question).missing_terms == ("Austria",)
    # The article holds "units" and "state-backed", never the name.
    us = engine.answerer.answer("Who is the president of the United States?")
    assert not us.answered and us.missing_terms == ("United States",)
    # Germany is named, though not in the answer's paragraph.
    present = engine.answerer.answer("Who is the chancellor of Germany?")
    assert present.answered and "Scholz" in present.citations[0].quote


def test_names_asked_of_and_mistyped_names() -> None:
    words_of = {w: [w.lower()] for w in ("the", "chancellor", "of", "Austria", "United",
                                          "States", "s", "UN", "treaty", "Who", "is")}
    names = {"austria", "united", "states", "un"}

    def asked(question: str) -> list[str]:
        return [phrase for phrase, _ in names_asked_of(question.split(), names, words_of)]

    assert asked("Who is the chancellor of Austria") == ["Austria"]
    assert asked("Who is the chancellor of the United States") == ["United States"]
    assert asked("Who is Austria s chancellor") == ["Austria"]
    assert asked("the UN s treaty") == []  # an acronym may stand for the documents' words
    assert asked("Who is the chancellor") == []
    def mistyped(stem: str, *vocabulary: str) -> bool:
        return misspells(stem, SpellingShapes(vocabulary))

    assert mistyped("bainbridg", "brainbridg") and mistyped("mnemiposi", "mnemiopsi")
    assert mistyped("scholtz", "pistorius", "scholz")
    assert not mistyped("austria", "australia") and not mistyped("uk", "us")
    assert not mistyped("austria", "ukrain", "germani")
    # Too many stems of its shape to read: it may be theirs.
    assert mistyped("zzzzzz", *(f"z{i:05d}" for i in range(6000)))


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [("scholz", "scholz", 0), ("scholtz", "scholz", 1), ("germnay", "germany", 1),
     ("mnemiposis", "mnemiopsis", 1), ("bainbridge", "brainbrigde", 2), ("abc", "xyz", 3)],
)
def test_within_edits_counts_swaps_as_one(a: str, b: str, edits: int) -> None:
    assert within_edits(a, b, edits) and within_edits(b, a, edits)
    assert edits == 0 or not within_edits(a, b, edits - 1)


def test_a_missing_verb_is_not_a_missing_topic(engine: Engine) -> None:
    # Only general words found either way: the missing verb is likely the documents'
    # "linking" in other words, the missing noun a topic they do not cover.
    verb = engine.answerer.answer("What does the bridge connect?")
    assert verb.answered and "Kerch Strait" in verb.citations[0].quote
    noun = engine.answerer.answer("Who won the football match?")
    assert not noun.answered and noun.missing_terms == ("football",)


def test_readers_see_a_sentence_once_though_two_citations_quote_it() -> None:
    first = "If no credentials are in the URL, pip reads the host's netrc file."
    fragment = "This behaviour comes from the requests library."
    cite = partial(Citation, source="Auth", section=None, paragraph=7, weak=False)
    answer = Answer("Where are netrc credentials read?", True, (
        cite(quote=first, score=2.0, passage_id=4),
        cite(quote=f"{first} {fragment}", score=1.9, passage_id=5),  # a fragment's quote
        cite(quote="Other news.", score=1.8, passage_id=9),
        cite(quote=first, source="Other", score=1.7, passage_id=30),  # another document
    ))
    assert [(c.passage_id, c.source) for c in answer.shown_citations] == [
        (4, "Auth"), (9, "Auth"), (30, "Other")]
    assert len(answer.citations) == 4  # programs still get the k best


def test_locator_fields(engine: Engine) -> None:
    top = engine.answerer.answer("Where was the meeting held?").citations[0]
    assert "WebEx" in top.quote
    assert top.section == "How was it leaked?"
    assert top.paragraph == 16


def test_k_citations_and_readers_see_the_close_ones(engine: Engine) -> None:
    answer = engine.answerer.answer("Who posted the recording?", k=3)
    scores = [c.score for c in answer.citations]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    shown = answer.shown_citations
    assert shown and shown == answer.citations[: len(shown)]
    assert all(c.score >= scores[0] - 1.39 for c in shown)
    assert all(c.score < scores[0] - 1.38 for c in answer.citations[len(shown):])
    assert len(shown) < 3  # the recording's poster is one sentence; the others are far
    declined = engine.answerer.answer("What did Joe Biden say about the recording?", k=4)
    assert not declined.answered and len(declined.citations) == 4
    assert all(c.weak for c in declined.citations)


def test_long_and_odd_questions_are_handled(engine: Engine) -> None:
    long = engine.answerer.answer("Taurus missiles " * 10_000)
    assert long.citations and "Taurus" in long.citations[0].quote
    # The cap on what is analysed falls inside "recording": the cut word is dropped, not
    # looked up as "recordi" and reported missing.
    cut = engine.answerer.answer("Who posted the recording? " * 4_000)
    assert cut.answered and cut.missing_terms == ()
    assert "Simonyan" in cut.citations[0].quote
    odd = engine.answerer.answer("\x00 🚀 Ｗｈｏ posted the\u200f ＲＥＣＯＲＤＩＮＧ?")
    assert odd.answered and "Simonyan" in odd.citations[0].quote
    rtl = engine.answerer.answer("مرحبا بالعالم")
    assert not rtl.answered and rtl.missing_terms
    assert not engine.answerer.answer("??? !!!").answered


def test_follow_up_context_helps(engine: Engine) -> None:
    answer = engine.answerer.answer("Who said that?", context="Moscow deliberately leaked it")
    assert answer.citations and "Strack-Zimmermann" in answer.citations[0].quote


def test_fragments_extend_to_the_previous_sentence() -> None:
    assert is_fragment("He said it was absurd.")
    assert is_fragment('benefit," Kiesewetter told ZDF.')
    assert is_fragment("and then it ended.")
    assert not is_fragment("Scholz refused.")
    assert not is_fragment('"A number of conversations," he said.')
    paragraphs = ["Marie Curie won two prizes in physics. She was born in Warsaw.",
                  "Pierre Curie studied crystals.", "The couple worked in Paris."]
    assert _first_quote(paragraphs, "Where was the scientist born?") == (
        "Marie Curie won two prizes in physics. She was born in Warsaw."
    )


def test_a_question_in_the_documents_is_quoted_with_its_answer() -> None:
    paragraphs = [
        "Q: Does the toolkit work on Windows? A: Yes, Windows 10 and later are supported.",
        "Q: How do I change the theme? A: Set the theme option in the settings file.",
        "The toolkit draws widgets on the screen.",
    ]
    assert _first_quote(paragraphs, "Does the toolkit work on Windows?") == (
        "Q: Does the toolkit work on Windows? A: Yes, Windows 10 and later are supported.")


def _first_quote(paragraphs: list[str], question: str) -> str:
    doc = document_from_paragraphs(paragraphs, title="Notes")
    index = BM25Index(corpus=Corpus([doc]), analyzer=engine_analyzer())
    return Answerer(index=index).answer(question).citations[0].quote


def engine_analyzer():  # type: ignore[no-untyped-def]
    from retrieval.analysis import Analyzer

    return Analyzer()


def test_shipped_model_loads_and_rejects_bad_files() -> None:
    model = load_model()
    assert model.n_trees > 10
    scores = model.predict(np.zeros((3, len(model.feature_names))))
    assert scores.shape == (3,) and np.all(scores == scores[0])
    with pytest.raises(ValueError):
        model_from_json({"format": "pickle"})
    with pytest.raises(ValueError):
        model.predict(np.zeros((2, 3)))


HEADED = """Harbour news

The town council met on Tuesday.

Why did the bridge close?

Engineers found deep cracks in two steel supports last week.
The council ordered traffic off until repairs are finished.

What happened to the ferry?

The old boat returned to service on Monday with a new crew.
"""


def headed_answerer() -> Answerer:
    from retrieval.analysis import Analyzer
    from retrieval.documents import clean_document

    document = clean_document(HEADED, path="harbour.txt")
    corpus = Corpus([document])
    return Answerer(index=BM25Index(corpus=corpus, analyzer=Analyzer()))


def test_sections_map_passages_to_their_heading() -> None:
    answerer = headed_answerer()
    sections = answerer.sections
    assert [info.words for info in sections.infos] == [
        ("harbour", "news"),
        ("why", "did", "the", "bridge", "close"),
        ("what", "happened", "to", "the", "ferry"),
    ]
    texts = [answerer.index.corpus.text(i) for i in range(len(answerer.index.corpus))]
    owner = {text: int(s) for text, s in zip(texts, sections.section_of.tolist(), strict=True)}
    assert owner["The town council met on Tuesday."] == 0
    assert owner["Engineers found deep cracks in two steel supports last week."] == 1
    assert owner["The old boat returned to service on Monday with a new crew."] == 2


def test_a_heading_answers_for_its_section() -> None:
    # No sentence of the section repeats "bridge": only its heading names it.
    answer = headed_answerer().answer("Why was the bridge closed?")
    assert answer.answered, answer
    assert answer.citations[0].section == "Why did the bridge close?"
    assert "cracks" in answer.citations[0].quote


def test_headings_can_be_switched_off() -> None:
    from retrieval.analysis import Analyzer
    from retrieval.documents import clean_document

    corpus = Corpus([clean_document(HEADED, path="harbour.txt")])
    plain = Answerer(index=BM25Index(corpus=corpus, analyzer=Analyzer()), use_headings=False)
    assert not plain.answer("Why was the bridge closed?").answered


def test_how_many_words_are_not_reported_missing(engine: Engine) -> None:
    answer = engine.answerer.answer("How many officers were in the conversation?")
    assert answer.answered
    assert "many" not in answer.missing_terms


def _walk(tree: dict[str, list[float]], row: np.ndarray) -> float:
    """A plain tree walk: the reference the vectorised model must match exactly."""
    node = 0
    while int(tree["feature"][node]) >= 0:
        go_left = row[int(tree["feature"][node])] <= tree["threshold"][node]
        node = int(tree["left"][node] if go_left else tree["right"][node])
    return float(tree["value"][node])


def _random_tree(rng: np.random.Generator, leaves: int, n_features: int) -> dict[str, list]:
    feature, threshold, left, right, value = [-1], [0.0], [0], [0], [0.0]
    while feature.count(-1) < leaves:  # split a random leaf
        leaf = int(rng.choice([i for i, f in enumerate(feature) if f == -1]))
        feature[leaf] = int(rng.integers(n_features))
        threshold[leaf] = float(rng.random())
        left[leaf], right[leaf] = len(feature), len(feature) + 1
        for _ in range(2):
            feature.append(-1)
            threshold.append(0.0)
            left.append(0)
            right.append(0)
            value.append(float(rng.normal()))
    return {"feature": feature, "threshold": threshold, "left": left, "right": right,
            "value": value}


@pytest.mark.parametrize("leaves", [1, 2, 15, 16, 40])
def test_tree_model_matches_a_plain_tree_walk(leaves: int) -> None:
    from retrieval.rerank import TreeModel

    rng = np.random.default_rng(leaves)
    trees = [_random_tree(rng, int(rng.integers(1, leaves + 1)), 4) for _ in range(30)]
    model = TreeModel(feature_names=["a", "b", "c", "d"], trees=trees, base_score=0.5)
    rows = rng.random((25, 4))
    for n, tree in enumerate(trees[:25]):  # values exactly at a threshold go left
        if tree["feature"][0] >= 0:
            rows[n, int(tree["feature"][0])] = tree["threshold"][0]
    expected = [0.5 + sum(_walk(t, row) for t in trees) for row in rows]
    assert np.allclose(model.predict(rows), expected, rtol=0, atol=1e-12)
    assert model.predict(rows[:0]).shape == (0,)


def test_candidate_expansion_and_windows_stay_in_the_paragraph() -> None:
    from retrieval.features import WINDOW, ParagraphBounds, context_window, expand_candidates

    keys = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3])
    ids = np.array([5, 0, 17, 4])
    # Neighbours of the first ids, same paragraph only, in order, no repeats.
    assert expand_candidates(ids, keys).tolist() == [5, 0, 17, 4, 3, 6, 1]
    window = context_window(np.array([4, 17, 6]), keys)
    brute = sorted({i for c in (4, 17, 6) for i in range(len(keys))
                    if keys[i] == keys[c] and abs(i - c) <= WINDOW})
    assert window.tolist() == brute
    bounds = ParagraphBounds(keys)  # the small-corpus path gives the same results
    assert bounds.expand(ids).tolist() == expand_candidates(ids, keys).tolist()
    for cands in ([4, 17, 6], [0], [8, 2, 16, 11]):
        expected = context_window(np.array(cands), keys).tolist()
        assert bounds.window(np.array(cands)).tolist() == expected


def test_small_corpora_rank_like_the_index_top() -> None:
    from retrieval.answer import _best_ids

    answerer = headed_answerer()
    index = answerer.index
    for question in ("bridge cracks council", "ferry crew Monday", "town"):
        terms = index.analyzer.question_terms(question)
        ids, _ = index.top(terms, 3)
        assert _best_ids(index.scores(terms), 3).tolist() == ids.tolist()


def test_text_without_sentence_punctuation_gives_bounded_quotes(tmp_path: Path) -> None:
    filler = " ".join(["river bank water fish boat bridge town market bread"] * 300)
    doc = tmp_path / "mill.txt"
    doc.write_text("The mill on the river grinds wheat for the town.\n\n"
                   f"{filler} and the miller counts 42 sacks\n", "utf-8")
    engine = build_engine([doc])
    answer = engine.answerer.answer("How many sacks does the miller count?")
    quote = answer.citations[0].quote
    assert answer.answered and quote.endswith("the miller counts 42 sacks")
    assert len(quote) <= MAX_SENTENCE_CHARS and quote in engine.corpus.documents[0].text


def test_a_name_is_met_by_a_name_or_its_own_word_not_another_word_of_its_stem() -> None:
    def answer(paragraph: str, question: str) -> Answer:
        doc = document_from_paragraphs(
            [paragraph, "The harbour reopened on Monday after the storm."], title="News")
        index = BM25Index(corpus=Corpus([doc]), analyzer=engine_analyzer())
        return Answerer(index=index).answer(question)

    def support(paragraph: str, question: str) -> float:
        return float(answer(paragraph, question).extra["support"])

    question = "What did the United States report?"
    assert support("The United States reported it.", question) == pytest.approx(1.0)
    # "United" and "States" share stems with "units" and "state" only: "report" alone is met.
    assert support("Combat units and state media reported it.", question) < 0.5
    # A title-cased question word is still met by the same word in lower case.
    assert support("The harbour committee reported it.",
                   "What did the Harbour Committee report?") == pytest.approx(1.0)


def test_united_states_is_not_met_by_units_in_the_article(engine: Engine) -> None:
    assert not engine.answerer.answer("What did the United States say about the leak?").answered
