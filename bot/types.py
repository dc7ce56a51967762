"""Messages in and out of the core, shared by every adapter. No chat SDK types here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    CONSOLE = "console"
    SLACK = "slack"
    DISCORD = "discord"


class ReplyKind(StrEnum):
    ANSWER = "answer"  # the documents answer: citations hold the quotes
    DECLINE = "decline"  # the documents do not answer: citations may hold weak passages
    SUMMARY = "summary"
    SOURCES = "sources"
    HELP = "help"
    RATE_LIMITED = "rate_limited"
    INVALID = "invalid"  # the input could not be used (too long, no words, ...)
    IGNORE = "ignore"  # say nothing (channel chatter, an unanswerable overheard question)
    ERROR = "error"


@dataclass(frozen=True)
class Incoming:
    """What arrived: one message, command or mention, stripped of platform details."""

    text: str
    user: str
    platform: Platform
    channel: str
    thread: str | None = None  # thread / conversation id; None outside a thread
    addressed: bool = True  # the bot was mentioned, messaged directly or commanded
    command: str | None = None  # "ask", "summary", "sources", "help" for slash commands


@dataclass(frozen=True)
class Citation:
    """A verbatim quote with its locator."""

    quote: str
    source: str
    section: str | None
    paragraph: int
    score: float
    weak: bool = False  # closest passage of a declined question, not an answer


@dataclass(frozen=True)
class Reply:
    """What the core says back; rendered per platform by ``bot.render``."""

    kind: ReplyKind
    text: str
    citations: tuple[Citation, ...] = ()
    notices: tuple[str, ...] = ()
    missing_terms: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return self.kind in (ReplyKind.ANSWER, ReplyKind.SUMMARY) and bool(self.citations)

    @property
    def silent(self) -> bool:
        return self.kind is ReplyKind.IGNORE
