"""Extractive summaries: verbatim, located, in document order, covering every section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.engine import Engine, build_engine
from retrieval.summary import Summarizer

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "taurus-leak.txt"


def test_whole_document_summary_covers_lede_and_every_section(engine: Engine) -> None:
    summary = Summarizer(index=engine.index, max_sentences=7).summarize()
    document = engine.corpus.documents[0]
    citations = summary.citations
    assert 1 < len(citations) <= 7
    assert all(c.quote in document.text for c in citations)  # verbatim
    offsets = [document.text.index(c.quote) for c in citations]
    assert offsets == sorted(offsets)  # document order
    first_sentence = document.text[slice(*document.paragraphs[0].sentences[0])]
    assert citations[0].quote == first_sentence  # the lede
    assert {c.section for c in citations if c.section} == set(document.sections)
    for c in citations:  # locators are the passage's own
        passage = engine.corpus.passage(c.passage_id)
        assert (c.section, c.paragraph) == (passage.section, passage.paragraph_number)


def test_cap_keeps_the_most_central_sections(engine: Engine) -> None:
    summarizer = Summarizer(index=engine.index, max_sentences=3)
    citations = summarizer.summarize().citations
    assert len(citations) == 3
    assert citations[0].paragraph == 1
    assert len({c.section for c in citations}) == 3
    assert Summarizer(index=engine.index, max_sentences=1).summarize().citations[0].paragraph == 1


def test_topic_summary_names_the_right_passages(engine: Engine) -> None:
    summary = Summarizer(index=engine.index).summarize("Russia's reaction")
    quotes = " ".join(c.quote for c in summary.citations)
    for name in ("Kremlin", "Peskov", "Medvedev"):
        assert name in quotes
    assert len(summary.citations) <= 7 and summary.covered


@pytest.mark.parametrize("topic", ["the weather in Paris", "German football", "quantum gravity"])
def test_a_topic_not_covered_says_so_without_citations(engine: Engine, topic: str) -> None:
    summary = Summarizer(index=engine.index).summarize(topic)
    assert not summary.covered and summary.citations == ()
    assert topic in summary.text


def test_topic_sentences_are_relevant(engine: Engine) -> None:
    summary = Summarizer(index=engine.index).summarize("Scholz")
    assert summary.citations
    assert all("Scholz" in c.quote or c.section and "Scholz" in c.section
               for c in summary.citations)


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("docs")
    (folder / "taurus-leak.txt").write_text(ARTICLE.read_text())
    (folder / "garden-notes.md").write_text(
        "# Tomatoes\n\nTomatoes need full sun and steady watering through the summer. "
        "Stake tomato plants early so the stems do not break under the fruit.\n\n"
        "# Compost\n\nCompost turns kitchen scraps into rich soil within a few months. "
        "Turn the compost heap every week to keep it aerated.\n"
    )
    return build_engine([folder])


def test_several_documents_get_one_summary_each(two_documents: Engine) -> None:
    summary = Summarizer(index=two_documents.index, max_sentences=3).summarize()
    sources = [c.source for c in summary.citations]
    assert set(sources) == {"Taurus leak", "Garden notes"}
    assert sources.count("Garden notes") <= 3 and sources.count("Taurus leak") <= 3
    assert "2 documents" in summary.text


def test_naming_a_document_summarises_it(two_documents: Engine) -> None:
    summary = Summarizer(index=two_documents.index).summarize("garden notes")
    assert summary.citations and {c.source for c in summary.citations} == {"Garden notes"}
    tomato = Summarizer(index=two_documents.index).summarize("compost")
    assert tomato.citations and all(c.source == "Garden notes" for c in tomato.citations)


def test_cli_summary_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--json", "--docs", str(ARTICLE)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["topic"] is None and result["text"].startswith("Summary of Taurus leak")
    assert 1 < len(result["citations"]) <= 7
    assert set(result["citations"][0]) >= {"quote", "source", "section", "paragraph", "score"}
    assert main(["summary", "--json", "Russia's", "reaction", "--docs", str(ARTICLE)]) == 0
    topic = json.loads(capsys.readouterr().out)
    assert topic["topic"] == "Russia's reaction"
    assert any("Peskov" in c["quote"] for c in topic["citations"])
    assert main(["summary", "the", "weather", "--docs", str(ARTICLE)]) == 0
    assert "don't cover" in capsys.readouterr().out
    assert main(["summary", "--json", "of", "the", "whole", "article", "--docs", str(ARTICLE)]) == 0
    assert json.loads(capsys.readouterr().out)["topic"] is None
    # A topic after --docs is not read as a path.
    assert main(["summary", "--json", "--docs", str(ARTICLE), "Russia's", "reaction"]) == 0
    assert json.loads(capsys.readouterr().out)["topic"] == "Russia's reaction"


def test_a_section_is_summed_up_by_prose_not_by_its_code(tmp_path: Path) -> None:
    doc = tmp_path / "bundles.md"
    doc.write_text(
        "# Bundles\n\nA bundle packs every dependency into one archive for offline installs.\n\n"
        "## Creating a bundle\n\n```\n$ tempdir=$(mktemp -d /tmp/bundle-XXXXX)\n"
        "$ python -m pip wheel -r requirements.txt --wheel-dir=$tempdir\n"
        "$ (cd \"$tempdir\"; tar -cjvf \"$cwd/bundle.tar.bz2\" *)\n```\n\n"
        "The bundle is built from the requirements file into a temporary wheel directory.\n",
        "utf-8")
    engine = build_engine([doc])
    quotes = [c.quote for c in Summarizer(index=engine.index).summarize().citations]
    assert quotes == ["A bundle packs every dependency into one archive for offline installs.",
                      "The bundle is built from the requirements file into a temporary wheel "
                      "directory."]


def test_past_the_cap_prose_sections_win_over_lists_of_addresses(tmp_path: Path) -> None:
    people = "\n".join(f"* [dev{n}](https://example.com/dev{n}) - Dev {n} <dev{n}@example.com>"
                       for n in range(6))
    doc = tmp_path / "project.md"
    doc.write_text(
        "# Project\n\nThe project builds a fast runtime for scripts on servers.\n\n"
        f"## Maintainers\n\n{people}\n\n## Releases\n\n"
        "The project releases a new runtime version every six months for servers.\n\n"
        f"## Emeriti\n\n{people}\n\n## Building\n\n"
        "The runtime builds from source on servers with a recent compiler.\n", "utf-8")
    engine = build_engine([doc])
    quotes = [c.quote for c in Summarizer(index=engine.index, max_sentences=3)
              .summarize().citations]
    assert len(quotes) == 3 and not any("@example.com" in q for q in quotes)
