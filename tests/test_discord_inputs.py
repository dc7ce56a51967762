"""Bad input through the Discord adapter: each gets a clear reply or a decline, nothing pings
anyone, every message fits in 2,000 characters, and the next question is still answered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fakes.discord_harness import ALICE, BOB, BOT_ROLE, CHANNEL, DM, DiscordHarness, settings

from bot import render
from bot.core import Core
from bot.types import Incoming, Platform
from retrieval.engine import Engine

QUESTION = "Who leaked the audio recording?"
BAD_INPUTS = {
    "empty": "",
    "whitespace": " \t \u3000 ",
    "one character": "?",
    "100k characters": "x" * 100_000,
    "20k repeated words": "leak " * 20_000,
    "NUL and control characters": "Who\x00 leaked\x07 the\x1b[31m audio\x7f?\r\n\x0b",
    "emoji only": "🔥🎧🕵️‍♀️",
    "right to left": "من سرب التسجيل الصوتي؟",
    "mixed scripts": "Who leaked the 音频 recording? שלום Привет",
    "full-width": "Ｗｈｏ ｌｅａｋｅｄ ｔｈｅ ａｕｄｉｏ？",
    "combining marks": "Who le\u0301aked the au\u0308dio?",
    "bidi override": "\u202eWho leaked the audio?\u202c\u200b",
    "markdown": "**Who** _leaked_ `the` ~~audio~~ ||spoiler||?\n# heading\n> quote\n```code```",
    "everyone and here": "@everyone @here who leaked the audio?",
    "mentions": f"<@{BOB['id']}> <@&{BOT_ROLE}> <#{CHANNEL}> <@!1> who leaked?",
    "html": "<script>alert(1)</script><b>who</b> leaked the audio?",
    "slack markup": "<!channel> <!here|here> <@U123> who leaked the audio?",
    "masked link": "[click](https://evil.example) who leaked the audio?",
}


@pytest.fixture
async def bot(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> AsyncIterator[DiscordHarness]:
    harness = await DiscordHarness.start(monkeypatch, engine=engine)
    yield harness
    await harness.close()


def assert_safe(content: str) -> None:
    assert 0 < len(content) <= 2000
    lowered = content.lower()
    assert "@everyone" not in lowered and "@here" not in lowered  # broken with a ZWSP
    assert "<@" not in content and "<#" not in content and "<!" not in content
    assert "\x00" not in content


async def answered_normally(bot: DiscordHarness, engine: Engine) -> None:
    message_id = bot.say(QUESTION, author=ALICE)
    await bot.settle()
    reply = await Core(engine=engine, settings=settings()).handle(
        Incoming(text=QUESTION, user="u", platform=Platform.DISCORD, channel="c"))
    assert [m["content"] for m in bot.fake.messages_in(message_id)] == render.discord_messages(
        reply)


@pytest.mark.parametrize("text", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
async def test_bad_mention_gets_a_safe_reply_then_service_continues(
    bot: DiscordHarness, engine: Engine, text: str
) -> None:
    message_id = bot.say(f"{bot.bot_mention} {text}")
    await bot.settle()
    sent = bot.fake.messages_in(message_id) + bot.fake.messages_in(CHANNEL)
    assert sent, "every addressed message gets a reply or a decline"
    for message in sent:
        assert_safe(message["content"])
    for request in bot.fake.content_requests():
        assert request.body["allowed_mentions"]["parse"] == []
    for request in bot.fake.requests:
        if request.path.endswith("/threads"):
            name = request.body["name"]
            assert 0 < len(name) <= 100 and "<@" not in name and "\n" not in name
    await answered_normally(bot, engine)


@pytest.mark.parametrize("text", ["", "x" * 100_000, "🔥", "@everyone <@1>"],
                         ids=["empty", "huge", "emoji", "mentions"])
async def test_bad_direct_message(bot: DiscordHarness, text: str) -> None:
    bot.say_in_dm(text)
    await bot.settle()
    [reply] = bot.fake.messages_in(DM)
    assert_safe(reply["content"])


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("ask", {"question": ""}),
        ("ask", {"question": "   "}),
        ("ask", {"question": "x" * 6000}),  # Discord's longest string option
        ("ask", {"question": "@everyone <@&1> " + "why " * 1400}),
        ("ask", {"question": "\x00\x01\u202e🔥"}),
        ("summary", {"topic": "y" * 6000}),
        ("summary", {"topic": "<@1> @here"}),
    ],
    ids=["empty", "blank", "huge", "huge mentions", "control", "huge topic", "topic mentions"],
)
async def test_bad_slash_command_text(
    bot: DiscordHarness, engine: Engine, command: str, options: dict[str, str]
) -> None:
    token = bot.slash(command, **options)
    await bot.settle()
    calls = bot.interaction_requests(token)
    assert calls[0].path.endswith("/callback")
    texts = [c.body["content"] for c in calls if c.body and "content" in c.body]
    assert texts
    for text in texts:
        assert_safe(text)
    await answered_normally(bot, engine)
