"""`citebot ask|summary|chat|slack|discord|index`: the command line.

Each subcommand imports only what it needs, so a one-shot ``citebot ask`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from bot.citations import citation_json
from retrieval.errors import CitebotError

if TYPE_CHECKING:
    from retrieval.answer import Answer
    from retrieval.engine import Engine

EXIT_OK = 0
EXIT_USAGE = 2
EMPTY_QUESTION_HELP = (
    "Ask a question about the documents, e.g. citebot ask \"Who posted the recording?\""
)


def answer_to_json(answer: Answer) -> dict[str, object]:
    """The ``ask --json`` contract of DESIGN.md."""
    from bot.answers import answer_text

    return {
        "question": answer.question,
        "answered": answer.answered,
        "text": answer_text(answer, locators=True),
        "citations": [citation_json(c) for c in answer.citations],
        "missing_terms": list(answer.missing_terms),
        **({"reason": answer.reason} if answer.reason and not answer.answered else {}),
    }


def _questions(args: argparse.Namespace, stdin: TextIO) -> Iterable[str]:
    if args.question:
        yield " ".join(args.question)
        return
    for line in stdin:
        yield line.rstrip("\r\n")


def _split_docs_and_words(args: argparse.Namespace, field: str) -> None:
    """``--docs a.txt "Who ...?"``: ``--docs`` takes several paths, so a question (or a
    summary topic, ``field``) written after it lands among them. Trailing entries that are
    not existing paths (after at least one path) are the question or topic."""
    from pathlib import Path

    docs = list(args.docs or [])
    if getattr(args, field) or len(docs) < 2:
        return
    cut = len(docs)
    while cut > 1 and not Path(docs[cut - 1]).expanduser().exists():
        cut -= 1
    if cut < len(docs):
        setattr(args, field, docs[cut:])
        args.docs = docs[:cut]


def run_ask(args: argparse.Namespace, *, stdin: TextIO, stdout: TextIO) -> int:
    """Answer the question given, or each stdin line; exit 2 for an empty argument."""
    from dataclasses import replace

    from bot.answers import answer_text
    from bot.commands import clean_text
    from bot.config import Settings
    from bot.engine_setup import Survivors, engine_from_settings
    from retrieval.answer import Answer

    _split_docs_and_words(args, "question")
    engine: Engine = engine_from_settings(Settings.from_env(), args.docs,
                                          semantic_by_default=True)
    status = EXIT_OK
    with Survivors() as survivors:
        for question in _questions(args, stdin):
            # Read as the chat bots read a message: pasted mentions, tags and invisible
            # characters are not question words. The answer echoes the question as given.
            text = clean_text(question)
            if not text:
                answer = Answer(question, False, reason=EMPTY_QUESTION_HELP)
                status = EXIT_USAGE if args.question else status
            else:
                answer = replace(engine.answerer.answer(text, k=args.k), question=question)
            if args.json:
                stdout.write(json.dumps(answer_to_json(answer), ensure_ascii=False) + "\n")
            else:
                stdout.write(answer_text(answer, locators=True) + "\n")
            stdout.flush()
            survivors.settle()
    engine.save_semantic_vectors()
    return status


def _add_docs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--docs", nargs="+", metavar="PATH", default=None,
        help="document files or folders (.txt, .md); default: the bundled documents",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citebot", description="Answer questions about documents with verbatim quotes."
    )
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default) ...")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer questions (one per stdin line if none given)")
    ask.add_argument("question", nargs="*", help="the question; omit to read stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("-k", type=int, default=3, help="citations per answer (default 3)")
    _add_docs(ask)

    summary = commands.add_parser("summary", help="an extractive summary, optionally on a topic")
    summary.add_argument("topic", nargs="*", help="topic to summarise; omit for the whole")
    summary.add_argument("--json", action="store_true")
    _add_docs(summary)

    chat = commands.add_parser("chat", help="talk to the bot in the terminal (one thread)")
    chat.add_argument("--json", action="store_true", help="JSON lines when stdin is piped")
    _add_docs(chat)

    slack = commands.add_parser("slack", help="run the Slack bot (Socket Mode by default)")
    slack.add_argument("--http", action="store_true", help="serve the HTTP Events API instead")
    slack.add_argument("--host", default="0.0.0.0")
    slack.add_argument("--port", type=int, default=3000)
    _add_docs(slack)

    discord = commands.add_parser("discord", help="run the Discord bot")
    _add_docs(discord)

    index = commands.add_parser("index", help="build the index cache ahead of time")
    index.add_argument("--force", action="store_true", help="rebuild even if up to date")
    _add_docs(index)
    return parser


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.WARNING),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from bot.config import Settings

        # --log-level wins; else CITEBOT_LOG_LEVEL from the environment or .env.
        _configure_logging(args.log_level or Settings.from_env().log_level)
        if args.command == "ask":
            if args.k < 1:
                parser.error("-k must be at least 1")
            return run_ask(args, stdin=sys.stdin, stdout=sys.stdout)
        if args.command == "summary":
            from bot.summary_command import run_summary

            _split_docs_and_words(args, "topic")
            return run_summary(args, stdout=sys.stdout)
        if args.command == "chat":
            from bot.adapters.console import run_chat

            return run_chat(args)
        if args.command == "slack":
            from bot.adapters.slack import run_slack

            return run_slack(args)
        if args.command == "discord":
            from bot.adapters.discord import run_discord

            return run_discord(args)
        if args.command == "index":
            from bot.index_command import run_index

            return run_index(args, stdout=sys.stdout)
    except CitebotError as exc:
        print(f"citebot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
