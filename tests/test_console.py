"""`citebot chat`: the core through the console adapter, piped and as JSON lines."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from bot.adapters.console import console_settings, run_chat
from bot.core import Core
from retrieval.engine import Engine

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "taurus-leak.txt"


class Piped(io.StringIO):
    def isatty(self) -> bool:
        return False


def chat(engine: Engine, lines: list[str], *, as_json: bool) -> str:
    args = argparse.Namespace(docs=None, json=as_json)
    core = Core(engine=engine, settings=console_settings(args, {}))
    out = io.StringIO()
    assert run_chat(args, stdin=Piped("\n".join(lines) + "\n"), stdout=out, core=core) == 0
    return out.getvalue()


def test_piped_json_is_one_conversation(engine: Engine) -> None:
    turns = ["Who posted the recording?", "When did she post it?", "/sources", "",
             "summary Russia's reaction", "What is the population of Brazil?"]
    out = [json.loads(line) for line in chat(engine, turns, as_json=True).splitlines()]
    assert [o["question"] for o in out] == turns
    first, second, sources, empty, summary, declined = out
    assert first["answered"] and "Simonyan" in first["citations"][0]["quote"]
    assert second["answered"] and "On March 1" in second["citations"][0]["quote"]
    assert "follow-up" in second["text"]
    assert sources["kind"] == "sources" and "Taurus leak" in sources["text"]
    assert empty["kind"] == "help"
    assert summary["kind"] == "summary" and summary["answered"]
    assert not declined["answered"] and "brazil" in [t.lower() for t in declined["missing_terms"]]
    for o in out:
        assert set(o) >= {"question", "answered", "text", "citations", "missing_terms"}


def test_piped_plain_text(engine: Engine) -> None:
    text = chat(engine, ["Who is Thorsten Frei?", "Which channel did he speak to?", "/help"],
                as_json=False)
    assert "> Thorsten Frei" in text and "— Taurus leak, § What does it mean for Scholz?" in text
    assert text.count("Welt TV") >= 2
    assert "summary" in text.split("Which channel")[-1] or "sources" in text


def test_console_is_not_rate_limited(engine: Engine) -> None:
    out = chat(engine, ["Who posted the recording?"] * 30, as_json=True).splitlines()
    assert len(out) == 30 and all(json.loads(line)["answered"] for line in out)


def test_chat_keeps_the_sentence_vectors_it_encoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the article: its vectors are not among those shipped, so they are encoded.
    doc = tmp_path / "leak.txt"
    doc.write_text(ARTICLE.read_text("utf-8"), "utf-8")
    cache = tmp_path / "cache"
    monkeypatch.setenv("CITEBOT_SEMANTIC", "on")
    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(cache))
    args = argparse.Namespace(docs=[str(doc)], json=True)
    out = io.StringIO()
    assert run_chat(args, stdin=Piped("Who posted the recording?\n"), stdout=out) == 0
    assert json.loads(out.getvalue())["answered"]
    assert len(list((cache / "vectors").glob("*.npz"))) == 1  # kept for the next process
