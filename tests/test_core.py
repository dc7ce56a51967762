"""The core, driven directly: commands, limits, odd input, overheard chatter, logging."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.config import Settings
from bot.core import Core
from bot.types import Incoming, Platform, Reply, ReplyKind
from retrieval.engine import Engine


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_core(engine: Engine, clock: FakeClock | None = None, **overrides: object) -> Core:
    settings = dataclasses.replace(Settings.from_env({}), **overrides)  # type: ignore[arg-type]
    return Core(engine=engine, settings=settings, clock=clock or FakeClock())


async def say(core: Core, text: str, *, user: str = "u1", thread: str | None = "t1",
              addressed: bool = True, command: str | None = None,
              platform: Platform = Platform.SLACK) -> Reply:
    return await core.handle(Incoming(text=text, user=user, platform=platform, channel="C1",
                                      thread=thread, addressed=addressed, command=command))


@pytest.mark.parametrize("text", ["", "   ", "hi", "Hello there!", "help", "/help", "thanks",
                                  "ok thanks", "Great, thank you!", "cool", "got it, thx"])
async def test_greetings_and_empty_text_get_help(engine: Engine, text: str) -> None:
    reply = await say(make_core(engine), text)
    assert reply.kind is ReplyKind.HELP
    assert "summary" in reply.text and "sources" in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "Hi! Who posted the recording?",
        "hey there, who posted the recording?",
        "Good morning. Who posted the recording?",
        "@citebot who posted the recording?",
        "citebot: who posted the recording?",
        "Thanks! Who posted the recording?",
        "ok, who posted the recording?",
    ],
)
async def test_a_greeting_or_address_before_a_question_is_not_part_of_it(
    engine: Engine, text: str
) -> None:
    reply = await say(make_core(engine), text)
    assert reply.kind is ReplyKind.ANSWER and reply.answered
    assert "Simonyan" in reply.citations[0].quote


async def test_a_question_is_answered_with_verbatim_quotes(engine: Engine) -> None:
    reply = await say(make_core(engine), "Who posted the recording?")
    assert reply.kind is ReplyKind.ANSWER and reply.answered
    assert "Simonyan" in reply.citations[0].quote
    text = engine.corpus.documents[0].text
    assert all(c.quote in text for c in reply.citations)
    assert len(reply.citations) <= 3


async def test_citations_per_answer_setting(engine: Engine) -> None:
    reply = await say(make_core(engine, citations_per_answer=1), "Who posted the recording?")
    assert len(reply.citations) == 1


async def test_unanswerable_question_declines(engine: Engine) -> None:
    reply = await say(make_core(engine), "What is the population of Brazil?")
    assert reply.kind is ReplyKind.DECLINE and not reply.answered
    assert "brazil" in [t.lower() for t in reply.missing_terms]
    assert all(c.weak for c in reply.citations)


async def test_sources_lists_documents_with_sizes(engine: Engine) -> None:
    for text, command in (("sources", None), ("", "sources"), ("/sources", None)):
        reply = await say(make_core(engine), text, command=command)
        assert reply.kind is ReplyKind.SOURCES
        assert "Taurus leak" in reply.text and "KB" in reply.text


async def test_summary_command_and_slash_command(engine: Engine) -> None:
    core = make_core(engine)
    whole = await say(core, "summary")
    assert whole.kind is ReplyKind.SUMMARY and 1 < len(whole.citations) <= 7
    topic = await say(core, "Russia's reaction", command="summary")
    assert topic.kind is ReplyKind.SUMMARY and topic.citations
    assert any("Peskov" in c.quote for c in topic.citations)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Summarize the article", None),
        ("summary of the article", None),
        ("Can you summarize what happened?", None),
        ("Could you give me a summary, please?", None),
        ("What is this article about?", None),
        ("what's the story about", None),
        ("tl;dr", None),
        ("the whole document", "summary"),
        ("this article", "summary"),
    ],
)
async def test_summary_requests_in_plain_words(
    engine: Engine, text: str, command: str | None
) -> None:
    reply = await say(make_core(engine), text, command=command)
    assert reply.kind is ReplyKind.SUMMARY
    assert reply.text.startswith("Summary of Taurus leak") and 1 < len(reply.citations) <= 7


@pytest.mark.parametrize(
    "text",
    ["Can you summarize Russia's reaction?", "summary of Russia's reaction",
     "Give me a summary of Russia's reaction"],
)
async def test_summary_requests_with_a_topic(engine: Engine, text: str) -> None:
    reply = await say(make_core(engine), text)
    assert reply.kind is ReplyKind.SUMMARY and reply.citations
    assert any("Peskov" in c.quote for c in reply.citations)


async def test_questions_about_the_documents_are_still_questions(engine: Engine) -> None:
    reply = await say(make_core(engine), "What is the recording about?")
    assert reply.kind is ReplyKind.ANSWER


@pytest.mark.parametrize(
    "text", ["whats the taurus missile", "whos simonyan", "wheres the kerch strait bridge"])
async def test_wh_contractions_without_apostrophe(engine: Engine, text: str) -> None:
    reply = await say(make_core(engine), text)
    assert reply.kind is ReplyKind.ANSWER and text.split()[0] not in reply.missing_terms


async def test_slash_ask_command(engine: Engine) -> None:
    reply = await say(make_core(engine), "Who posted the recording?", command="ask")
    assert reply.kind is ReplyKind.ANSWER
    assert (await say(make_core(engine), "", command="ask")).kind is ReplyKind.HELP


async def test_too_long_question_is_refused_politely(engine: Engine) -> None:
    core = make_core(engine, max_question_chars=100)
    reply = await say(core, "Who posted the recording? " * 10)
    assert reply.kind is ReplyKind.INVALID
    assert "100" in reply.text and not reply.citations


async def test_rate_limit_per_user_and_refill(engine: Engine) -> None:
    clock = FakeClock()
    core = make_core(engine, clock, rate_limit_per_minute=6.0, rate_limit_burst=2)
    assert (await say(core, "Who posted the recording?")).kind is ReplyKind.ANSWER
    assert (await say(core, "Who is Thorsten Frei?")).kind is ReplyKind.ANSWER
    limited = await say(core, "What is WebEx?")
    assert limited.kind is ReplyKind.RATE_LIMITED
    assert "10 seconds" in limited.text
    # Another user, or the same user on another platform, has a bucket of their own.
    assert (await say(core, "What is WebEx?", user="u2")).kind is ReplyKind.ANSWER
    clock.now += 10.0  # one token back at 6 per minute
    assert (await say(core, "What is WebEx?")).kind is ReplyKind.ANSWER
    assert (await say(core, "What is WebEx?")).kind is ReplyKind.RATE_LIMITED


async def test_rate_limit_zero_disables(engine: Engine) -> None:
    core = make_core(engine, rate_limit_per_minute=0.0, rate_limit_burst=1)
    for _ in range(20):
        assert (await say(core, "help")).kind is ReplyKind.HELP


@pytest.mark.parametrize(
    "text",
    [
        "Who\u200b posted\u202e the\x00 recording\x07?",
        "ＷＨＯ ＰＯＳＴＥＤ ＴＨＥ ＲＥＣＯＲＤＩＮＧ?",
        "who posted the récording??? 🤔🤔",
        "<b>Who</b> posted the *recording*? <@U123> <!channel>",
        "Who posted\n\n\tthe recording?",
    ],
)
async def test_odd_unicode_control_characters_and_markup(engine: Engine, text: str) -> None:
    reply = await say(make_core(engine), text)
    assert reply.kind is ReplyKind.ANSWER
    assert "Simonyan" in reply.citations[0].quote


@pytest.mark.parametrize("text", ["\x00\x01\x02", "🤔🤔🤔", "???", "<>&", "\u202e\u200b"])
async def test_input_with_no_words_never_crashes(engine: Engine, text: str) -> None:
    reply = await say(make_core(engine), text)
    assert reply.kind in (ReplyKind.HELP, ReplyKind.DECLINE, ReplyKind.INVALID)


async def test_overheard_chatter_is_ignored_but_answerable_questions_are_not(
    engine: Engine,
) -> None:
    core = make_core(engine)
    for text in ("lol nice", "summary", "help", "anyone up for lunch?",
                 "What is the population of Brazil?"):
        assert (await say(core, text, addressed=False)).kind is ReplyKind.IGNORE, text
    reply = await say(core, "Who posted the recording?", addressed=False)
    assert reply.kind is ReplyKind.ANSWER


async def test_log_line_per_message_without_text(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="citebot.core")
    await say(make_core(engine), "Who posted the secret recording?")
    records = [r for r in caplog.records if r.name == "citebot.core"]
    assert len(records) == 1
    fields = records[0].citebot  # type: ignore[attr-defined]
    assert fields["platform"] == "slack" and fields["answered"] is True
    assert isinstance(fields["latency_ms"], float)
    assert "secret" not in records[0].getMessage() and "text" not in fields
    caplog.clear()
    await say(make_core(engine, log_message_text=True), "Who posted the secret recording?")
    record = [r for r in caplog.records if r.name == "citebot.core"][0]
    assert "secret" in record.citebot["text"]  # type: ignore[attr-defined]


async def test_offloaded_core_answers_the_same(engine: Engine) -> None:
    settings = Settings.from_env({})
    inline = Core(engine=engine, settings=settings)
    threaded = Core(engine=engine, settings=settings, inline_max_passages=0)
    a = await say(inline, "Who posted the recording?")
    b = await say(threaded, "Who posted the recording?")
    assert a == b


async def test_questions_beyond_the_in_flight_cap_get_a_busy_reply(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import threading

    core = Core(engine=engine, settings=dataclasses.replace(Settings.from_env({}), max_in_flight=2),
                clock=FakeClock(), inline_max_passages=0)  # every answer on a worker thread
    release = threading.Event()
    entered = threading.Semaphore(0)
    answer = engine.answerer.answer

    def held(*args: object, **kwargs: object) -> object:
        entered.release()
        release.wait(10)
        return answer(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.answerer, "answer", held)
    first = [asyncio.create_task(say(core, "Who posted the recording?", user=f"u{i}"))
             for i in range(2)]
    for _ in range(2):
        await asyncio.to_thread(entered.acquire, True, 10)
    busy = await say(core, "Who posted the recording?", user="u9")
    overheard = await say(core, "Who posted the recording?", user="u8", addressed=False)
    helped = await say(core, "help", user="u7")
    release.set()
    answered = await asyncio.gather(*first)
    assert busy.kind is ReplyKind.RATE_LIMITED and "busy" in busy.text.lower()
    assert overheard.kind is ReplyKind.IGNORE
    assert helped.kind is ReplyKind.HELP
    assert all(r.kind is ReplyKind.ANSWER for r in answered)
    again = await say(core, "Who posted the recording?", user="u9")
    assert again.kind is ReplyKind.ANSWER  # the busy reply cost the user nothing
