"""Slack adapter pieces with no network: text parsing, deduplication, the HTTP app's guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.slack_dedupe import Deduplicator
from bot.adapters.slack_http import EVENTS_PATH, build_web_app
from bot.adapters.slack_parse import mentions, to_plain
from bot.config import Secret
from retrieval.errors import ConfigError


def test_bot_mention_removed_and_markup_made_plain() -> None:
    text = (
        "<@UBOT> did <@U123> or <@U456|ann> post in <#C1|general>? "
        "see <https://x.test|this> &amp; <!here>"
    )
    assert to_plain(text, bot_user_id="UBOT") == (
        "did @U123 or @ann post in #general? see this & @here"
    )
    assert to_plain("<@UBOT|citebot>  What &lt;is&gt; it?", bot_user_id="UBOT") == "What <is> it?"
    assert to_plain("<!subteam^S1|@devs> <!channel> hi") == "@devs @channel hi"
    assert to_plain("<https://example.test/a>") == "https://example.test/a"


def test_mentions_detects_both_forms() -> None:
    assert mentions("hey <@UBOT> there", "UBOT")
    assert mentions("<@UBOT|citebot> hi", "UBOT")
    assert not mentions("hey <@UBOTX> there", "UBOT")
    assert not mentions("hey", "")


def test_dedupe_by_any_key_and_bounded() -> None:
    now = [0.0]
    seen = Deduplicator(max_keys=3, ttl_seconds=60, clock=lambda: now[0])
    assert seen.claim([("event", "E1"), ("message", "C1", "1.0")])
    assert not seen.claim([("event", "E1")])  # redelivery
    assert not seen.claim([("event", "E2"), ("message", "C1", "1.0")])  # app_mention + message
    assert seen.claim([("event", None), ("message", "C1", "2.0")])
    assert seen.claim([("event", "E3")])
    assert len(seen) <= 3
    now[0] = 61.0
    assert seen.claim([("event", "E3")])  # forgotten after the TTL
    assert len(seen) == 1


def test_http_app_cannot_be_built_without_a_signing_secret() -> None:
    for secret in (None, Secret(""), Secret("   ")):
        with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
            build_web_app(bolt=None, signing_secret=secret, health=dict)  # type: ignore[arg-type]


def test_manifests_match_what_the_adapter_serves() -> None:
    """The app manifests subscribe to what the adapter handles (checked without a YAML
    dependency: the files are ours and use one key per line)."""
    repo = Path(__file__).resolve().parent.parent
    for name, socket_mode in (("slack-manifest.yaml", True),
                              ("deploy/slack-manifest-http.yaml", False)):
        listed = [line.split("#")[0].strip() for line in
                  (repo / name).read_text(encoding="utf-8").splitlines()]
        lines = set(listed)
        assert f"socket_mode_enabled: {str(socket_mode).lower()}" in lines
        for event in ("app_mention", "message.im", "message.channels", "message.groups"):
            assert f"- {event}" in lines
        for scope in ("app_mentions:read", "chat:write", "commands", "im:history",
                      "channels:history", "channels:read"):
            assert f"- {scope}" in lines
        assert {"- command: /ask", "- command: /summary", "is_enabled: true"} <= lines
        urls = [line for line in listed if line.startswith(("url:", "request_url:"))]
        if socket_mode:
            assert urls == []
        else:
            assert len(urls) == 4 and all(url.endswith(EVENTS_PATH) for url in urls)
