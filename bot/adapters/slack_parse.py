"""Slack message text -> the plain text the core reads.

Slack sends ``&``, ``<`` and ``>`` as entities and wraps special things in angle brackets:
``<@U123>`` (a user), ``<#C123|general>`` (a channel), ``<!channel>`` / ``<!here>`` /
``<!subteam^S1|@team>`` (broadcasts), ``<https://x|label>`` (links). The bot's own mention
is removed; the rest becomes readable plain text ("@U123", "#general", "@channel", the
label), so nothing the core sees or echoes can be markup. ``bot.render`` escapes on the
way out.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"<([^<>]*)>")


def mentions(text: str, user_id: str) -> bool:
    """True if ``text`` (Slack markup) mentions ``user_id``."""
    return bool(user_id) and (f"<@{user_id}>" in text or f"<@{user_id}|" in text)


def to_plain(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack mrkdwn from a user -> plain text, the bot's own mention removed."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            if bot_user_id and target[1:] == bot_user_id:
                return " "
            return label if label.startswith("@") else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            name = target[1:].split("^", 1)[0]
            return label or f"@{name}"
        return label or target

    plain = _TOKEN.sub(replace, text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(plain.split())
