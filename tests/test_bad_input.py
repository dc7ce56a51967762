"""The bad-input matrix through the core: every case gets a clear reply or a decline (never
an exception), no rendering of it pings anyone or carries live markup from the user, and the
next normal question in the same thread is still answered.

The adapters run their own variants (tests/test_discord_inputs.py, the Slack tests); this
file drives :class:`bot.core.Core` directly and checks all three renderings.
"""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest

from bot import render
from bot.config import Settings
from bot.core import Core
from bot.types import Incoming, Platform, Reply, ReplyKind
from retrieval.engine import Engine

QUESTION = "Who posted the recording?"
ANSWER_WORD = "Simonyan"  # in the quote that answers QUESTION
FOLLOWUP = "When did she post it?"
ZWSP = "\u200b"

BAD_INPUTS: dict[str, str] = {
    "empty": "",
    "whitespace": " \t\n \u3000\u00a0 ",
    "one character": "?",
    "one letter": "x",
    "100,000 characters": "x" * 100_000,
    "100,000 characters of words": "Who posted the recording? " * 3_847,
    "20,000 repeated words": "leak " * 20_000,
    "NUL and control characters": "Who\x00 posted\x07 the\x1b[31m recording\x7f?\r\n\x0b\x0c",
    "lone surrogate": "Who posted \ud800 the recording?",
    "emoji only": "🔥🎧🕵️‍♀️👍🏽",
    "right to left": "من سرب التسجيل الصوتي؟",
    "mixed scripts": "Who posted the 音频 recording? שלום Привет",
    "bidi override": "\u202eWho posted the recording?\u202c\u200b\u2066",
    "full-width letters": "Ｗｈｏ ｐｏｓｔｅｄ ｔｈｅ ｒｅｃｏｒｄｉｎｇ？",
    "combining marks": "Who pos\u0301ted the re\u0308cording?",
    "zalgo": "".join(ch + "\u0300\u0301\u0302\u0303\u0304" * 6 for ch in "Who posted it?"),
    "markdown": "**Who** _posted_ `the` ~~recording~~ ||spoiler||?\n# heading\n> quote\n```x```",
    "markdown lists": "- Who posted\n1. the recording\n* first\n-# small\n### big",
    "slack markup": "<!channel> <!here|here> <!subteam^S123> <@U123|bob> <#C123> who posted?",
    "slack link": "<https://evil.example|click here> who posted the recording?",
    "discord mentions": "<@123> <@!456> <@&789> <#1011> </ask:12> <t:1:R> <:smile:13> posted?",
    "everyone and here": "@everyone @here @channel who posted the recording?",
    "masked link": "[click](https://evil.example) who posted the recording?",
    "html": "<script>alert(1)</script><b>who</b> posted the <img src=x onerror=alert(1)>?",
    "html entities": "&lt;!channel&gt; &amp; who posted the recording?",
    "only punctuation": "?!?.,;:--...",
    "command words": "summary sources help ask",
}

# Questions that read as a question and carry user markup or pings: asked first, then a
# follow-up whose notice quotes them back ("Read as a follow-up to ...").
ECHOED = {
    "markdown": "**Who** _posted_ `the` ~~recording~~ ||x||?",
    "mentions": "@everyone <!channel> <@U1> <@&2> who posted the recording?",
    "html": "<b>Who</b> posted the recording <script>x</script>?",
    "lines": "Who posted\n# the\n> recording\n- ?",
}

OK_KINDS = {
    ReplyKind.ANSWER, ReplyKind.DECLINE, ReplyKind.HELP, ReplyKind.INVALID,
    ReplyKind.SUMMARY, ReplyKind.SOURCES,
}


def make_core(engine: Engine) -> Core:
    settings = dataclasses.replace(
        Settings.from_env({}), rate_limit_per_minute=0.0, rate_limit_burst=1
    )
    return Core(engine=engine, settings=settings)


async def ask(core: Core, text: str, *, thread: str = "T1", platform: Platform = Platform.SLACK,
              command: str | None = None, addressed: bool = True) -> Reply:
    return await core.handle(Incoming(text=text, user="U1", platform=platform, channel="C1",
                                      thread=thread, addressed=addressed, command=command))


# -- what a safe rendering looks like ----------------------------------------------------


def assert_plain_safe(text: str) -> None:
    assert text.strip(), "a reply must say something"
    text.encode("utf-8")  # no lone surrogates: every adapter can send it
    controls = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0]
    assert not controls, f"control characters in the reply: {controls!r}"


def assert_slack_safe(text: str) -> None:
    assert_plain_safe(text)
    assert "<" not in text, "Slack would read <...> as a mention, link or command"
    for line in text.split("\n"):
        assert ">" not in line.removeprefix("> "), f"raw '>' in {line!r}"
    for match in re.finditer("&", text):
        assert re.match("&(?:amp|lt|gt);", text[match.start():]), "raw '&' in Slack text"
    assert not re.search(r"@(?:channel|here|everyone)", text, re.IGNORECASE)
    for line in text.split("\n"):
        for i, ch in enumerate(line):
            if ch not in "*~`_":
                continue
            escaped = line[i - 1 : i] == ZWSP or line[i + 1 : i + 2] == ZWSP
            own_italics = ch == "_" and (i == 0 or i == len(line) - 1)  # render's locators
            assert escaped or own_italics, f"live Slack markup {ch!r} in {line!r}"


_DISCORD_LINE_START = re.compile(r"^\s*(?:#{1,3}\s|-#\s|>|[-+*]\s|\d+[.)]\s)")


def assert_discord_safe(message: str) -> None:
    assert_plain_safe(message)
    assert len(message) <= render.DISCORD_LIMIT
    assert not re.search(r"@(?:everyone|here)", message, re.IGNORECASE)
    assert not re.search(r"<[@#/:!&]|<a:|<t:", message), "a live Discord mention"
    for line in message.split("\n"):
        body = line
        if line.startswith("> "):
            body = line[2:]
        elif line.startswith("-# "):  # render's own small-print notice
            body = line[3:]
        elif line.startswith("*— ") and line.endswith("*"):  # render's own locator
            body = line[1:-1]
        assert not _DISCORD_LINE_START.match(body), f"live line markup in {line!r}"
        i = 0
        while i < len(body):
            if body[i] == "\\":
                i += 2
                continue
            assert body[i] not in "*_~`|[]", f"live Discord markup {body[i]!r} in {line!r}"
            i += 1


def assert_safe(reply: Reply) -> None:
    assert_plain_safe(render.plain_text(reply))
    assert_slack_safe(render.slack_text(reply))
    for block in render.slack_blocks(reply):
        text = str(block["text"]["text"])  # type: ignore[index]
        assert len(text) <= render.SLACK_SECTION_LIMIT
        assert_slack_safe(text)
    messages = render.discord_messages(reply)
    assert messages
    for message in messages:
        assert_discord_safe(message)


async def assert_still_answers(core: Core, *, thread: str) -> None:
    reply = await ask(core, QUESTION, thread=thread)
    assert reply.kind is ReplyKind.ANSWER, reply
    assert ANSWER_WORD in reply.citations[0].quote


# -- the matrix --------------------------------------------------------------------------


@pytest.mark.parametrize("platform", [Platform.SLACK, Platform.DISCORD])
@pytest.mark.parametrize("case", list(BAD_INPUTS))
async def test_bad_input_gets_a_clear_reply_and_the_thread_still_works(
    engine: Engine, case: str, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    core = make_core(engine)
    with caplog.at_level(logging.ERROR, logger="citebot"):
        reply = await ask(core, BAD_INPUTS[case], platform=platform)
    assert reply.kind in OK_KINDS, reply
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert_safe(reply)
    if reply.kind is ReplyKind.INVALID:
        assert f"{core.settings.max_question_chars:,}" in reply.text  # says what the limit is
    await assert_still_answers(core, thread="T1")


@pytest.mark.parametrize("case", list(ECHOED))
async def test_user_text_quoted_back_in_a_followup_is_escaped(engine: Engine, case: str) -> None:
    core = make_core(engine)
    first = await ask(core, ECHOED[case])
    assert first.kind in OK_KINDS
    followup = await ask(core, FOLLOWUP)
    assert followup.kind in (ReplyKind.ANSWER, ReplyKind.DECLINE)
    assert followup.notices, "the follow-up notice quotes the earlier question back"
    assert_safe(followup)


@pytest.mark.parametrize(
    ("command", "text", "kinds"),
    [
        ("ask", "", {ReplyKind.HELP}),
        ("ask", "   \x00 ", {ReplyKind.HELP}),
        ("ask", "x" * 100_000, {ReplyKind.INVALID}),
        ("ask", "<!channel> " * 5_000, {ReplyKind.INVALID, ReplyKind.HELP}),
        ("summary", "", {ReplyKind.SUMMARY}),
        ("summary", "leak " * 20_000, {ReplyKind.INVALID}),
        ("summary", "@everyone **bold**", {ReplyKind.SUMMARY}),
        ("sources", "x" * 100_000, {ReplyKind.SOURCES}),
        ("help", "y" * 100_000, {ReplyKind.HELP}),
        ("/ask", "Who posted the recording?", {ReplyKind.ANSWER}),
        ("no-such-command", "x" * 100_000, {ReplyKind.HELP}),
        ("", "", {ReplyKind.HELP}),
    ],
    ids=lambda v: f"{len(v)}chars" if isinstance(v, str) and len(v) > 40 else None,
)
async def test_slash_commands_with_no_or_huge_text(
    engine: Engine, command: str, text: str, kinds: set[ReplyKind]
) -> None:
    core = make_core(engine)
    reply = await ask(core, text, command=command, thread="")
    assert reply.kind in kinds, reply
    assert_safe(reply)
    await assert_still_answers(core, thread="")


@pytest.mark.parametrize("case", list(BAD_INPUTS))
async def test_overheard_bad_input_is_ignored_or_answered(engine: Engine, case: str) -> None:
    core = make_core(engine)
    reply = await ask(core, BAD_INPUTS[case], addressed=False, platform=Platform.DISCORD)
    assert reply.kind in (ReplyKind.IGNORE, ReplyKind.ANSWER), reply
    if reply.kind is ReplyKind.IGNORE:
        assert render.discord_messages(reply) == [] and render.slack_blocks(reply) == []
    else:
        assert_safe(reply)
    await assert_still_answers(core, thread="T1")


async def test_bad_inputs_interleaved_in_one_thread_keep_it_working(engine: Engine) -> None:
    """Every bad input in turn in the same thread, each followed by a real question."""
    core = make_core(engine)
    for text in BAD_INPUTS.values():
        reply = await ask(core, text, thread="shared")
        assert reply.kind in OK_KINDS
        await assert_still_answers(core, thread="shared")
    answered = await ask(core, FOLLOWUP, thread="shared")
    assert answered.kind is ReplyKind.ANSWER
    assert answered.notices and QUESTION in answered.notices[0]


@pytest.mark.parametrize(
    ("check", "text"),
    [
        (assert_slack_safe, "<!channel> hi"),
        (assert_slack_safe, "*bold* text"),
        (assert_slack_safe, "say @here now"),
        (assert_slack_safe, "a & b"),
        (assert_discord_safe, "@everyone hi"),
        (assert_discord_safe, "hi <@123>"),
        (assert_discord_safe, "**bold**"),
        (assert_discord_safe, "# heading"),
        (assert_discord_safe, "[x](https://evil.example)"),
        (assert_plain_safe, "bell\x07"),
    ],
    ids=repr,
)
def test_the_checks_catch_live_markup(check: object, text: str) -> None:
    """The safety checks above are not vacuous: raw pings and markup fail them."""
    with pytest.raises(AssertionError):
        check(text)  # type: ignore[operator]
