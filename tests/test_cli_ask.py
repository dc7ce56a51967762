"""`citebot ask`: the JSON contract and the CLI run as a subprocess."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

from bot.answers import answer_text
from bot.cli import answer_to_json, run_ask
from retrieval.engine import Engine

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "taurus-leak.txt"
CONTRACT_KEYS = {"question", "answered", "text", "citations", "missing_terms"}
CITATION_KEYS = {"quote", "source", "section", "paragraph", "score"}


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", *args],
        input=stdin if stdin is not None else "", capture_output=True, text=True,
        timeout=60, check=False,
    )


def test_json_contract(engine: Engine) -> None:
    data = answer_to_json(engine.answerer.answer("Who posted the recording?"))
    assert set(data) == CONTRACT_KEYS
    assert data["answered"] is True and data["missing_terms"] == []
    citations = data["citations"]
    assert isinstance(citations, list) and citations
    first = citations[0]
    assert set(first) == CITATION_KEYS
    assert first["source"] == "Taurus leak" and first["section"] == "What was leaked?"
    assert isinstance(first["paragraph"], int) and isinstance(first["score"], float)
    declined = answer_to_json(engine.answerer.answer("What is the population of Canada?"))
    assert declined["answered"] is False and declined["missing_terms"] == ["population", "Canada"]
    assert "reason" in declined


def test_human_text_has_quote_then_locator(engine: Engine) -> None:
    text = answer_text(engine.answerer.answer("Where was the meeting held?"), locators=True)
    lines = text.splitlines()
    assert lines[0].startswith('"The meeting was held on WebEx')
    assert lines[1] == "— Taurus leak, § How was it leaked?, ¶ 16"


def test_run_ask_reads_stdin_lines() -> None:
    out = io.StringIO()
    args = Namespace(question=[], json=True, k=3, docs=[str(ARTICLE)])
    stdin = io.StringIO("Who posted the recording?\n\nTell me a joke about cats\n")
    assert run_ask(args, stdin=stdin, stdout=out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["answered"] for r in rows] == [True, False, False]
    assert rows[1]["reason"] and rows[1]["citations"] == []


def test_cli_subprocess_answers_and_exits_zero() -> None:
    done = _cli("Who posted the recording?")
    assert done.returncode == 0, done.stderr
    quote, locator = done.stdout.strip().splitlines()[:2]
    assert "Margarita Simonyan, posted a 38-minute" in quote
    assert locator == "— Taurus leak, § What was leaked?, ¶ 4"


def test_cli_subprocess_json_from_stdin() -> None:
    done = _cli("--json", "-k", "1", stdin="What date was the meeting?\nWhat is the capital?\n")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 2 and all(set(r) >= CONTRACT_KEYS for r in rows)
    assert all(len(r["citations"]) <= 1 for r in rows)


def test_cli_json_lists_k_citations_and_text_shows_the_close_ones() -> None:
    done = _cli("--json", "-k", "4", "Who posted the recording?")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    scores = [c["score"] for c in row["citations"]]
    assert len(scores) == 4 and scores == sorted(scores, reverse=True)
    shown = [c for c in row["citations"] if f'"{c["quote"]}"' in row["text"]]
    assert shown == row["citations"][: len(shown)] and 1 <= len(shown) < 4


def test_cli_empty_question_gives_help_and_exit_2() -> None:
    done = _cli("   ")
    assert done.returncode == 2 and "Ask a question" in done.stdout


def test_cli_document_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    done = _cli("--docs", str(missing), "Who?")
    assert done.returncode == 2 and "nope.txt" in done.stderr
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02\x03")
    done = _cli("--docs", str(binary), "Who?")
    assert done.returncode == 2 and "blob.txt" in done.stderr and "binary" in done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _cli("--docs", str(empty), "Who?")
    assert done.returncode == 2 and "empty" in done.stderr


def test_cli_custom_docs_folder(tmp_path: Path) -> None:
    (tmp_path / "owls.md").write_text(
        "# Owls\n\nOwls hunt at night.\n\nBarn owls nest in old barns.\n\n"
        "Snowy owls live in the Arctic tundra.\n", "utf-8"
    )
    done = _cli("--json", "--docs", str(tmp_path), "Where do snowy owls live?")
    row = json.loads(done.stdout)
    assert row["answered"] and "Arctic" in row["citations"][0]["quote"]
    assert row["citations"][0]["source"] == "Owls" and row["citations"][0]["section"] == "Owls"


def test_cli_reads_chat_markup_as_the_bots_do() -> None:
    """Mentions and tags pasted from a chat are not question words (`clean_text`); the
    JSON still echoes the question as given."""
    asked = "<@U123> <b>Who posted the recording?</b>"
    done = _cli("--json", asked)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["question"] == asked
    assert row["answered"] is True and row["missing_terms"] == []
    assert "Margarita Simonyan, posted" in row["citations"][0]["quote"]
    only_markup = _cli("<@U123> <script></script>")
    assert only_markup.returncode == 2 and "Ask a question" in only_markup.stdout
