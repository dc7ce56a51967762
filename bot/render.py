"""Replies -> text for each platform: plain text, Slack mrkdwn/blocks, Discord markdown.

Pure functions. Every string in a :class:`Reply` is plain text from a user or a document,
so every one is escaped here: nothing can ping anyone or inject markup. Quotes are block
quotes with their locators; long replies are split at quote and sentence boundaries,
and a quote too long for one message is split with a visible "(continued)" mark.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.citations import locator
from bot.types import Citation, Reply, ReplyKind

DISCORD_LIMIT = 2000
SLACK_SECTION_LIMIT = 3000
CONTINUES = "(continued)"
ZWSP = "\u200b"

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_SLACK_MARKUP = re.compile(r"([*_~`])")
_SLACK_MENTION_WORD = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_DISCORD_MARKUP = re.compile(r"([\\*_~`|\[\]])")
_DISCORD_AT = re.compile(r"@(?=(?:everyone|here)\b)", re.IGNORECASE)
_DISCORD_ANGLE = re.compile(r"<(?=[@#/:at!&]|\w+:)", re.IGNORECASE)
_LINE_START = re.compile(r"^(\s*)(#{1,3}\s|-#\s|>|[-+*]\s|\d+[.)]\s)", re.MULTILINE)


def escape_slack(text: str) -> str:
    """Slack mrkdwn: ``& < >`` as entities (no ``<!channel>``, ``<@U123>``, links), and
    formatting characters and ``@channel``-style words broken with a zero-width space."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SLACK_MENTION_WORD.sub("@" + ZWSP, text)
    return _SLACK_MARKUP.sub(ZWSP + r"\1" + ZWSP, text)


def escape_discord(text: str) -> str:
    """Discord markdown: markup characters backslash-escaped, line-leading headings, lists
    and quotes neutralised, ``@everyone``/``@here`` and ``<@id>``/``<#id>``/``<@&id>`` broken."""
    text = _DISCORD_MARKUP.sub(r"\\\1", text)
    text = _DISCORD_AT.sub("@" + ZWSP, text)
    text = _DISCORD_ANGLE.sub("<" + ZWSP, text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


@dataclass(frozen=True)
class _Style:
    escape: Callable[[str], str]
    quote_prefix: str
    locator: Callable[[str], str]
    notice: Callable[[str], str]


_PLAIN = _Style(
    escape=lambda s: s,
    quote_prefix="> ",
    locator=lambda s: "  " + s,
    notice=lambda s: f"({s})",
)
_SLACK = _Style(
    escape=escape_slack,
    quote_prefix="> ",
    locator=lambda s: f"_{escape_slack(s)}_",
    notice=lambda s: f"_{escape_slack(s)}_",
)
_DISCORD = _Style(
    escape=escape_discord,
    quote_prefix="> ",
    locator=lambda s: f"*{escape_discord(s)}*",
    notice=lambda s: f"-# {escape_discord(s)}",
)


def _quote(style: _Style, text: str, *, before: bool, after: bool, where: str | None) -> str:
    body = style.escape(text)
    if before:
        body = f"{CONTINUES} … {body}"
    if after:
        body = f"{body} … {CONTINUES}"
    lines = [style.quote_prefix + line for line in body.split("\n")]
    if where is not None:
        lines.append(style.locator(where))
    return "\n".join(lines)


def _citation_units(style: _Style, citation: Citation, limit: int) -> list[str]:
    """One quote with its locator, split into pieces of at most ``limit`` when needed."""
    where = locator(citation)
    whole = _quote(style, citation.quote, before=False, after=False, where=where)
    if len(whole) <= limit:
        return [whole]
    pieces = _split_text(
        citation.quote,
        lambda piece, first, last: len(
            _quote(style, piece, before=not first, after=not last, where=where if last else None)
        ),
        limit,
    )
    return [
        _quote(
            style,
            piece,
            before=n > 0,
            after=n < len(pieces) - 1,
            where=where if n == len(pieces) - 1 else None,
        )
        for n, piece in enumerate(pieces)
    ]


def _text_units(style: _Style, text: str, limit: int) -> list[str]:
    if not text:
        return []
    escaped = style.escape(text)
    if len(escaped) <= limit:
        return [escaped]
    pieces = _split_text(text, lambda p, _f, _l: len(style.escape(p)), limit)
    return [style.escape(p) for p in pieces]


def _split_text(text: str, measure: Callable[[str, bool, bool], int], limit: int) -> list[str]:
    """Greedy split at sentence, then word, then character boundaries so that each piece,
    as rendered (``measure(piece, is_first, is_last)``), fits in ``limit``."""
    tokens = _tokens(text)
    pieces: list[str] = []
    current = ""
    for token in tokens:
        candidate = current + token
        if not current or measure(candidate.strip(), not pieces, False) <= limit:
            current = candidate
            continue
        pieces.append(current.strip())
        current = token
    if current.strip():
        pieces.append(current.strip())
    # A single token may still be too long: cut it by characters.
    out: list[str] = []
    for piece in pieces:
        while measure(piece, not out, False) > limit and len(piece) > 1:
            cut = len(piece)
            while cut > 1 and measure(piece[:cut], not out, False) > limit:
                cut = max(1, cut * 3 // 4) if cut > 64 else cut - 1
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    # The last piece also carries the locator: make room if it does not fit.
    while len(out) > 0 and measure(out[-1], len(out) == 1, True) > limit and len(out[-1]) > 1:
        last = out.pop()
        half = len(last) // 2
        out.extend([last[:half], last[half:]])
    return [p for p in out if p]


def _tokens(text: str) -> list[str]:
    """Sentences (with their trailing space), each further split into words if long."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        out.append(text[start : match.end()])
        start = match.end()
    out.append(text[start:])
    words: list[str] = []
    for sentence in out:
        if len(sentence) > 400:
            words.extend(re.findall(r"\S+\s*", sentence))
        elif sentence:
            words.append(sentence)
    return words


def _units(style: _Style, reply: Reply, limit: int) -> list[str]:
    if reply.kind is ReplyKind.IGNORE:
        return []
    units = _text_units(style, reply.text, limit)
    for citation in reply.citations:
        units.extend(_citation_units(style, citation, limit))
    for notice in reply.notices:
        units.extend(_pack([style.notice(notice)], limit) if notice else [])
    return units


def _pack(units: list[str], limit: int, separator: str = "\n\n") -> list[str]:
    """Join units into as few messages as fit in ``limit``, never splitting a unit."""
    messages: list[str] = []
    current = ""
    for unit in units:
        unit = unit[:limit]  # units are built to fit; this only guards the contract
        if not current:
            current = unit
        elif len(current) + len(separator) + len(unit) <= limit:
            current = current + separator + unit
        else:
            messages.append(current)
            current = unit
    if current:
        messages.append(current)
    return messages


def plain_text(reply: Reply) -> str:
    """The reply as plain text (console, logs, ``--json`` ``text``)."""
    return "\n".join(_units(_PLAIN, reply, 1 << 30))


def slack_text(reply: Reply) -> str:
    """The reply as one Slack mrkdwn string (also the notification fallback of blocks)."""
    return "\n".join(_units(_SLACK, reply, 1 << 30))


def slack_blocks(reply: Reply) -> list[dict[str, object]]:
    """Block Kit section blocks, each text at most 3,000 characters."""
    sections = _pack(_units(_SLACK, reply, SLACK_SECTION_LIMIT), SLACK_SECTION_LIMIT, "\n")
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}
        for text in sections
    ]


def discord_messages(reply: Reply, limit: int = DISCORD_LIMIT) -> list[str]:
    """Discord markdown messages, each at most ``limit`` characters."""
    if limit < 200:
        raise ValueError("limit must be at least 200 characters")
    return _pack(_units(_DISCORD, reply, limit), limit, "\n")
