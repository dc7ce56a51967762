"""``citebot chat``: talk to the core in a terminal; one session is one thread.

On a terminal: an interactive prompt (``/summary [TOPIC]``, ``/sources``, ``/help``,
``/quit``). With stdin piped: one line per turn of ONE conversation, answers in plain
text, or with ``--json`` one JSON line per turn in the ``citebot ask --json`` format.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import uuid
from typing import TextIO

from bot.citations import citation_json
from bot.config import Settings
from bot.core import Core, build_core
from bot.render import plain_text
from bot.types import Incoming, Platform, Reply

PROMPT = "you> "
_QUIT = {"/quit", "/exit", "/q", "quit", "exit"}


def reply_to_json(question: str, reply: Reply) -> dict[str, object]:
    """One turn in the ``ask --json`` format (plus ``kind``)."""
    return {
        "question": question,
        "answered": reply.answered,
        "kind": reply.kind.value,
        "text": plain_text(reply),
        "citations": [citation_json(c) for c in reply.citations],
        "missing_terms": list(reply.missing_terms),
    }


def console_settings(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    """Settings for a local session: ``--docs`` wins, and one local user is not rate limited."""
    settings = Settings.from_env(environ)
    if getattr(args, "docs", None):
        settings = dataclasses.replace(settings, docs_paths=tuple(args.docs))
    return dataclasses.replace(settings, rate_limit_per_minute=0.0)


def run_chat(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    core: Core | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    core = core or build_core(console_settings(args))
    session = Session(core=core)
    try:
        if stdin.isatty() and not getattr(args, "json", False):
            return asyncio.run(session.interactive(stdout))
        return asyncio.run(
            session.piped(stdin, stdout, as_json=bool(getattr(args, "json", False))))
    finally:
        core.close()


class Session:
    """One console conversation: a single thread id for every turn."""

    def __init__(self, *, core: Core, user: str = "console") -> None:
        self.core = core
        self.user = user
        self.thread = f"console-{uuid.uuid4().hex[:12]}"

    async def turn(self, text: str) -> Reply:
        incoming = Incoming(
            text=text, user=self.user, platform=Platform.CONSOLE, channel="console",
            thread=self.thread,
        )
        return await self.core.handle(incoming)

    async def piped(self, stdin: TextIO, stdout: TextIO, *, as_json: bool) -> int:
        for line in stdin:
            question = line.rstrip("\r\n")
            reply = await self.turn(question)
            if as_json:
                stdout.write(json.dumps(reply_to_json(question, reply), ensure_ascii=False) + "\n")
            else:
                stdout.write(plain_text(reply) + "\n\n")
            stdout.flush()
        return 0

    async def interactive(self, stdout: TextIO) -> int:
        stdout.write("citebot: ask about the documents; /summary, /sources, /help, /quit.\n")
        stdout.flush()
        while True:
            try:
                text = input(PROMPT)
            except EOFError:
                stdout.write("\n")
                return 0
            if text.strip().lower() in _QUIT:
                return 0
            reply = await self.turn(text)
            stdout.write(plain_text(reply) + "\n\n")
            stdout.flush()
