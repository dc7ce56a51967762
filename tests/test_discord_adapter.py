"""The Discord adapter end to end: real discord.py parsing, a fake Discord API on loopback."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fakes.discord_harness import (
    ALICE,
    BOB,
    CHANNEL,
    DM,
    FORBIDDEN,
    GUILD,
    NO_THREADS,
    OTHER_BOT,
    QUESTIONS,
    THREAD,
    DiscordHarness,
    settings,
    write_long_document,
)

from bot import render
from bot.adapters.discord import build_client
from bot.adapters.discord_messages import APOLOGY, nonce_for, strip_own_mentions, thread_name
from bot.core import Core
from bot.types import Incoming, Platform, Reply, ReplyKind
from retrieval.engine import Engine, build_engine

QUESTION = "Who leaked the audio recording?"


@pytest.fixture(scope="module")
def long_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return build_engine([write_long_document(tmp_path_factory.mktemp("long") / "log.txt")])


@pytest.fixture
async def bot(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> AsyncIterator[DiscordHarness]:
    harness = await DiscordHarness.start(monkeypatch, engine=engine)
    yield harness
    await harness.close()


def posts(harness: DiscordHarness, path: str) -> list[Any]:
    return [r for r in harness.fake.requests if r.method == "POST" and r.path == path]


def assert_no_pings(harness: DiscordHarness) -> None:
    """Every payload that carries text says: mention nobody."""
    requests = harness.fake.content_requests()
    assert requests
    for request in requests:
        mentions = request.body.get("allowed_mentions")
        assert mentions is not None, request.path
        assert mentions["parse"] == [], request.path
        assert not mentions.get("users") and not mentions.get("roles")
        assert not mentions.get("replied_user")


def assert_answer(content: str) -> None:
    assert content.startswith("> ") or "\n> " in content  # a block quote ...
    assert "*— Taurus leak" in content  # ... with its locator
    assert len(content) <= 2000


async def expected_parts(engine: Engine, text: str, **fields: Any) -> list[str]:
    """What a fresh core says to ``text``, rendered for Discord."""
    incoming = Incoming(text=text, user="someone", platform=Platform.DISCORD, channel="c",
                        **fields)
    return render.discord_messages(await Core(engine=engine, settings=settings()).handle(incoming))


async def test_login_registers_the_four_commands_globally(bot: DiscordHarness) -> None:
    commands = {c["name"]: c for c in bot.fake.synced["global"]}
    assert set(commands) == {"ask", "summary", "sources", "help"}
    assert commands["ask"]["options"][0]["name"] == "question"
    assert commands["ask"]["options"][0]["required"] is True
    assert commands["summary"]["options"][0]["name"] == "topic"
    assert commands["summary"]["options"][0].get("required", False) is False
    assert bot.client.tree.get_command("ask") is not None


async def test_commands_sync_to_the_named_guilds_only(
    monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    harness = await DiscordHarness.start(monkeypatch, engine=engine, discord_guild_ids=(GUILD,))
    try:
        assert set(harness.fake.synced) == {str(GUILD)}
        assert {c["name"] for c in harness.fake.synced[str(GUILD)]} == {
            "ask", "summary", "sources", "help"}
    finally:
        await harness.close()


def test_message_content_intent_only_with_channel_questions(engine: Engine) -> None:
    quiet = build_client(settings(), Core(engine=engine, settings=settings()))
    listening_settings = settings(discord_channels=("questions",))
    listening = build_client(listening_settings, Core(engine=engine, settings=listening_settings))
    assert quiet.intents.message_content is False
    assert listening.intents.message_content is True
    for client in (quiet, listening):
        assert client.intents.guild_messages and client.intents.dm_messages
        assert client.intents.members is False and client.intents.presences is False
        assert client.allowed_mentions is not None
        assert client.allowed_mentions.to_dict() == {"parse": []}


async def test_mention_in_channel_starts_a_thread_with_the_answer(
    bot: DiscordHarness, engine: Engine
) -> None:
    message_id = bot.say(f"{bot.bot_mention} {QUESTION}")
    await bot.settle()
    [thread_call] = posts(bot, f"/channels/{CHANNEL}/messages/{message_id}/threads")
    assert thread_call.body["name"] == QUESTION
    answers = bot.fake.messages_in(message_id)  # a thread started on a message has its id
    assert answers and not bot.fake.messages_in(CHANNEL)
    assert_answer(answers[0]["content"])
    assert [a["content"] for a in answers] == await expected_parts(engine, QUESTION)
    assert "<@" not in thread_call.body["name"]
    assert_no_pings(bot)


async def test_mention_inside_a_thread_answers_there_with_thread_memory(
    bot: DiscordHarness,
) -> None:
    bot.say(QUESTION, channel=THREAD)
    await bot.settle()
    bot.say("When did she post it?", channel=THREAD)
    await bot.settle()
    assert not [r for r in bot.fake.requests if r.path.endswith("/threads")]
    first, second = bot.fake.messages_in(THREAD)
    assert_answer(first["content"])
    assert "follow-up to" in second["content"]  # the thread's memory was used
    assert QUESTION.rstrip("?") in second["content"]
    core = bot.client.core
    assert isinstance(core, Core)
    assert core.memory.get(("discord", str(CHANNEL), str(THREAD))) is not None


async def test_follow_up_in_the_thread_the_bot_started(bot: DiscordHarness) -> None:
    message_id = bot.say(QUESTION)
    await bot.settle()
    created = dict(bot.fake.threads[message_id], newly_created=True)
    bot.feed("THREAD_CREATE", created)  # what the gateway sends after the thread is made
    bot.say("When did she post it?", channel=message_id)
    await bot.settle()
    first, second = bot.fake.messages_in(message_id)
    assert "follow-up to" in second["content"]
    assert len(bot.fake.threads) == 1


async def test_direct_message_is_answered_in_the_dm(bot: DiscordHarness) -> None:
    bot.say_in_dm(QUESTION)
    await bot.settle()
    [answer] = bot.fake.messages_in(DM)
    assert_answer(answer["content"])
    assert not bot.fake.threads
    assert_no_pings(bot)


async def test_not_mentioned_is_silent(bot: DiscordHarness) -> None:
    before = len(bot.fake.requests)
    bot.say(QUESTION, mention=False)
    bot.say(f"@everyone {QUESTION}", mention=False, mention_everyone=True)
    bot.say(f"<@{BOB['id']}> {QUESTION}", mention=False, mentions=[BOB])
    await bot.settle()
    assert len(bot.fake.requests) == before


async def test_bot_authors_are_ignored_itself_included(bot: DiscordHarness) -> None:
    before = len(bot.fake.requests)
    bot.say(QUESTION, author=OTHER_BOT)
    bot.say(QUESTION, author=bot.fake.bot_user())
    bot.say_in_dm(QUESTION, author=OTHER_BOT)
    await bot.settle()
    assert len(bot.fake.requests) == before


async def test_the_same_message_delivered_twice_is_answered_once(bot: DiscordHarness) -> None:
    message_id = bot.say(QUESTION)
    bot.say(QUESTION, message_id=message_id)  # a gateway replay
    await bot.settle()
    assert len(posts(bot, f"/channels/{CHANNEL}/messages/{message_id}/threads")) == 1
    assert len(bot.fake.messages_in(message_id)) == len(
        {m["nonce"] for m in bot.fake.messages_in(message_id)})


async def test_reply_instead_of_thread_where_threads_are_not_allowed(
    bot: DiscordHarness,
) -> None:
    by_permissions = bot.say(QUESTION, channel=NO_THREADS)
    by_api = bot.say(QUESTION, channel=FORBIDDEN)
    await bot.settle()
    assert not posts(bot, f"/channels/{NO_THREADS}/messages/{by_permissions}/threads")
    assert len(posts(bot, f"/channels/{FORBIDDEN}/messages/{by_api}/threads")) == 1  # 403
    for channel, message_id in ((NO_THREADS, by_permissions), (FORBIDDEN, by_api)):
        replies = bot.fake.messages_in(channel)
        assert replies, channel
        assert int(replies[0]["message_reference"]["message_id"]) == message_id
        assert replies[0]["message_reference"]["fail_if_not_exists"] is False
        assert_answer(replies[0]["content"])
    assert not bot.fake.threads
    assert_no_pings(bot)


async def test_channel_questions_when_listed(
    monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    harness = await DiscordHarness.start(
        monkeypatch, engine=engine, discord_channels=("questions",))
    try:
        answered = harness.say(QUESTION, channel=QUESTIONS, mention=False)
        harness.say("lunch at noon, anyone?", channel=QUESTIONS, mention=False)
        harness.say("What is the capital of Peru?", channel=QUESTIONS, mention=False)
        harness.say("the audio was leaked", channel=QUESTIONS, mention=False)
        harness.say(QUESTION, channel=CHANNEL, mention=False)  # not a listed channel
        await harness.settle()
        assert list(harness.fake.threads) == [answered]
        assert_answer(harness.fake.messages_in(answered)[0]["content"])
        assert not harness.fake.messages_in(QUESTIONS) and not harness.fake.messages_in(CHANNEL)
    finally:
        await harness.close()


async def test_slash_ask_defers_then_answers(bot: DiscordHarness) -> None:
    token = bot.slash("ask", question=QUESTION)
    await bot.settle()
    calls = bot.interaction_requests(token)
    assert calls[0].path.endswith("/callback")
    assert calls[0].body == {"type": 5}  # deferred, public
    assert calls[1].method == "PATCH" and calls[1].path.endswith("/messages/@original")
    assert_answer(calls[1].body["content"])
    assert all(c.status == 200 for c in calls)
    assert_no_pings(bot)


async def test_slash_ask_in_a_thread_shares_the_thread_memory(bot: DiscordHarness) -> None:
    bot.say(QUESTION, channel=THREAD)
    await bot.settle()
    token = bot.slash("ask", channel=THREAD, question="When did she post it?")
    await bot.settle()
    [patch] = [c for c in bot.interaction_requests(token) if c.method == "PATCH"]
    assert "follow-up to" in patch.body["content"]


async def test_slash_commands_are_ephemeral_when_set(
    monkeypatch: pytest.MonkeyPatch, long_engine: Engine
) -> None:
    harness = await DiscordHarness.start(
        monkeypatch, engine=long_engine, discord_ephemeral=True, summary_sentences=12)
    try:
        token = harness.slash("summary")
        await harness.settle()
        calls = harness.interaction_requests(token)
        assert calls[0].body == {"type": 5, "data": {"flags": 64}}
        followups = [c for c in calls if c.method == "POST" and c.path.count("/") == 3]
        assert followups  # twelve long sentences need more than one message
        assert all(c.body["flags"] & 64 for c in followups)
        assert all(len(c.body["content"]) <= 2000 for c in followups)
    finally:
        await harness.close()


@pytest.mark.parametrize("topic", [None, "the Kerch bridge"])
async def test_slash_summary_with_and_without_topic(
    bot: DiscordHarness, engine: Engine, topic: str | None
) -> None:
    options = {"topic": topic} if topic else {}
    token = bot.slash("summary", **options)
    await bot.settle()
    sent = [c.body["content"] for c in bot.interaction_requests(token)
            if c.body and "content" in c.body]
    expected_core = Core(engine=engine, settings=settings())
    expected = render.discord_messages(await expected_core.handle(Incoming(
        text=topic or "", user="x", platform=Platform.DISCORD, channel="c", command="summary")))
    assert sent == expected
    assert "*— Taurus leak" in sent[0]


@pytest.mark.parametrize("command", ["sources", "help"])
async def test_slash_sources_and_help(bot: DiscordHarness, engine: Engine, command: str) -> None:
    token = bot.slash(command)
    await bot.settle()
    [patch] = [c for c in bot.interaction_requests(token) if c.method == "PATCH"]
    reply = await Core(engine=engine, settings=settings()).handle(Incoming(
        text="", user="x", platform=Platform.DISCORD, channel="c", command=command))
    assert patch.body["content"] == render.discord_messages(reply)[0]


async def test_long_answer_is_split_under_2000_characters(
    monkeypatch: pytest.MonkeyPatch, long_engine: Engine
) -> None:
    harness = await DiscordHarness.start(monkeypatch, engine=long_engine, summary_sentences=12)
    try:
        message_id = harness.say("summary")
        await harness.settle()
        parts = harness.fake.messages_in(message_id)
        assert len(parts) >= 2
        assert all(0 < len(p["content"]) <= 2000 for p in parts)
        assert [p["nonce"] for p in parts] == [nonce_for(message_id, n) for n in range(len(parts))]
        reply = await Core(engine=long_engine, settings=settings(summary_sentences=12)).handle(
            Incoming(text="summary", user="x", platform=Platform.DISCORD, channel="c"))
        assert [p["content"] for p in parts] == render.discord_messages(reply)
        assert_no_pings(harness)
    finally:
        await harness.close()


class BrokenCore:
    """A core with a bug: every question raises."""

    async def handle(self, incoming: Incoming) -> Reply:
        raise RuntimeError("bug in the core")


async def test_handler_error_logs_and_apologises(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="citebot.discord")
    harness = await DiscordHarness.start(monkeypatch, core=BrokenCore())
    try:
        message_id = harness.say(QUESTION)
        token = harness.slash("ask", question=QUESTION)
        await harness.settle()
        [apology] = [m for m in harness.fake.messages_in(CHANNEL) if "webhook_id" not in m]
        assert apology["content"] == APOLOGY
        assert int(apology["message_reference"]["message_id"]) == message_id
        [patch] = [c for c in harness.interaction_requests(token) if c.method == "PATCH"]
        assert patch.body["content"] == APOLOGY
        failures = [r for r in caplog.records if r.exc_info and "failed to answer" in r.message]
        assert len(failures) == 2
        assert all(isinstance(r.exc_info[1], RuntimeError) for r in failures if r.exc_info)
        assert_no_pings(harness)
    finally:
        await harness.close()


async def test_rate_limit_per_user(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    harness = await DiscordHarness.start(
        monkeypatch, engine=engine, rate_limit_burst=2, rate_limit_per_minute=1.0)
    try:
        ids = [harness.say(QUESTION, author=ALICE) for _ in range(3)]
        bob = harness.say(QUESTION, author=BOB)
        await harness.settle()
        assert set(harness.fake.threads) == {ids[0], ids[1], bob}
        [slow_down] = harness.fake.messages_in(CHANNEL)  # a reply, not a thread
        assert int(slow_down["message_reference"]["message_id"]) == ids[2]
        assert "try again in" in slow_down["content"]
    finally:
        await harness.close()


async def test_ignore_reply_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    class Quiet:
        async def handle(self, incoming: Incoming) -> Reply:
            return Reply(ReplyKind.IGNORE, "")

    harness = await DiscordHarness.start(monkeypatch, core=Quiet())
    try:
        before = len(harness.fake.requests)
        harness.say(QUESTION)
        await harness.settle()
        assert len(harness.fake.requests) == before
    finally:
        await harness.close()


def test_helpers() -> None:
    assert strip_own_mentions("<@42> hi <@!42> there <@&7>", user_id=42, role_id=7) == "hi   there"
    assert strip_own_mentions("<@43> hi", user_id=42, role_id=None) == "<@43> hi"
    assert thread_name("<@43> what about <#9>?\nline 2") == "@someone what about #channel? line 2"
    assert thread_name("   ") == "citebot"
    long = thread_name("word " * 50)
    assert len(long) <= 90 and long.endswith("…")
    assert len(nonce_for(2**63 - 1, 255)) <= 25
    assert dataclasses.is_dataclass(settings())
