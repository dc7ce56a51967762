"""``citebot summary [--json] [--docs ...] [TOPIC]``: an extractive summary on stdout."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from bot.citations import citation_json
from bot.commands import summary_topic
from bot.config import Settings
from bot.engine_setup import engine_from_settings
from bot.render import plain_text
from bot.types import Citation, Reply, ReplyKind
from retrieval.summary import Summarizer, Summary


def summary_reply(summary: Summary) -> Reply:
    citations = tuple(
        Citation(
            quote=c.quote, source=c.source, section=c.section, paragraph=c.paragraph,
            score=c.score,
        )
        for c in summary.citations
    )
    return Reply(ReplyKind.SUMMARY, summary.text, citations)


def summary_to_json(summary: Summary) -> dict[str, object]:
    """``{"topic", "text", "citations"}``; citations as in ``ask --json``, document order."""
    return {
        "topic": summary.topic,
        "text": plain_text(summary_reply(summary)),
        "covered": summary.covered,
        "citations": [citation_json(c) for c in summary.citations],
    }


def run_summary(args: argparse.Namespace, *, stdout: TextIO) -> int:
    settings = Settings.from_env()
    engine = engine_from_settings(settings, args.docs)
    summarizer = Summarizer(index=engine.index, max_sentences=settings.summary_sentences)
    topic = summary_topic(" ".join(args.topic)) or None
    summary = summarizer.summarize(topic)
    if args.json:
        stdout.write(json.dumps(summary_to_json(summary), ensure_ascii=False) + "\n")
    else:
        stdout.write(plain_text(summary_reply(summary)) + "\n")
    stdout.flush()
    return 0
