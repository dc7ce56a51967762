"""`citebot chat`: the core through the console adapter, piped and as JSON lines."""

from __future__ import annotations

import argparse
import io
import json

from bot.adapters.console import console_settings, run_chat
from bot.core import Core
from retrieval.engine import Engine


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
