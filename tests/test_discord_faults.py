"""Faults between citebot and Discord: every answer delivered once the API recovers, never
twice; failures logged while the bot keeps serving; the token never in a log."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from fakes.discord_harness import (
    BOB,
    CHANNEL,
    FAST,
    TOKEN,
    DiscordHarness,
    settings,
    write_long_document,
)
from fakes.discord_http import FakeDiscord

from bot import render
from bot.adapters.discord import build_client, serve
from bot.adapters.discord_delivery import DeliveryPolicy, retry_delay
from bot.adapters.discord_messages import APOLOGY
from bot.core import Core
from bot.types import Incoming, Platform
from retrieval.engine import Engine, build_engine
from retrieval.errors import ConfigError

QUESTION = "Who leaked the audio recording?"
SEND = r"^/channels/\d+/messages$"
THREADS = r"^/channels/\d+/messages/\d+/threads$"
QUICK_TIMEOUT = dataclasses.replace(FAST, request_timeout=0.5)


@pytest.fixture
async def bot(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> AsyncIterator[DiscordHarness]:
    harness = await DiscordHarness.start(monkeypatch, engine=engine, policy=QUICK_TIMEOUT)
    yield harness
    await harness.close()


async def expected(engine: Engine, text: str = QUESTION) -> list[str]:
    reply = await Core(engine=engine, settings=settings()).handle(
        Incoming(text=text, user="u", platform=Platform.DISCORD, channel="c"))
    return render.discord_messages(reply)


def attempts(harness: DiscordHarness, path: str) -> list[int]:
    """The statuses of every POST to ``path`` (0: no answer, the request hung or dropped)."""
    return [r.status for r in harness.fake.requests if r.method == "POST" and r.path == path]


def assert_once(harness: DiscordHarness, thread: int, parts: list[str]) -> None:
    """The thread holds each part exactly once, in order."""
    assert [m["content"] for m in harness.fake.messages_in(thread)] == parts


@pytest.mark.parametrize(
    ("kind", "status", "route"),
    [
        ("429", 429, SEND),  # discord.py waits out Retry-After
        ("429", 429, THREADS),
        ("status", 500, SEND),  # discord.py retries a 500 itself (after 1 s)
        ("status", 503, SEND),  # discord.py gives up at once on a 503: citebot retries
        ("hang", 0, SEND),  # no answer before the request took effect: timed out, retried
        ("commit_then_hang", 0, SEND),  # took effect, answer lost: the nonce de-duplicates
        ("commit_then_hang", 0, THREADS),  # thread made, answer lost: 160004 -> same thread
        ("drop", 0, SEND),  # connection dropped mid-request
    ],
)
async def test_transient_fault_answer_delivered_once(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, kind: str, status: int, route: str
) -> None:
    # Hangs need a short per-attempt limit; the others go through discord.py's own
    # 429/5xx handling first, which a short limit would cut short.
    policy = QUICK_TIMEOUT if kind in ("hang", "commit_then_hang") else FAST
    bot = await DiscordHarness.start(monkeypatch, engine=engine, policy=policy)
    try:
        bot.fake.fail("POST", route, kind, status=status)
        message_id = bot.say(QUESTION)
        await bot.settle()
    finally:
        await bot.close()
    parts = await expected(engine)
    assert_once(bot, message_id, parts)
    assert len(bot.fake.threads) == 1
    path = (f"/channels/{message_id}/messages" if route == SEND
            else f"/channels/{CHANNEL}/messages/{message_id}/threads")
    seen = attempts(bot, path)
    assert seen[0] == status and seen[1] in (200, 400)  # 400: "thread already created"
    assert len(seen) == (len(parts) + 1 if route == SEND else 2)


async def test_connection_refused_until_the_api_comes_back(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="citebot.discord")
    fakes: list[FakeDiscord] = []

    async def recover(_delay: float) -> None:  # the pause between attempts: Discord is back
        await fakes[0].go_online()

    policy = dataclasses.replace(FAST, sleep=recover)
    harness = await DiscordHarness.start(monkeypatch, engine=engine, policy=policy)
    fakes.append(harness.fake)
    try:
        await harness.fake.go_offline()
        message_id = harness.say(QUESTION)
        await harness.settle()
        assert_once(harness, message_id, await expected(engine))
        assert any("retry 1 of 2" in r.message for r in caplog.records)
    finally:
        await harness.close()


async def test_persistent_failure_is_logged_and_the_bot_keeps_serving(
    bot: DiscordHarness, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="citebot.discord")
    bot.fake.fail("POST", SEND, "status", status=503, times=1000)
    lost = bot.say(QUESTION)
    await bot.settle()
    assert not bot.fake.messages_in(lost)
    assert attempts(bot, f"/channels/{lost}/messages") == [503] * FAST.attempts
    assert [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info
            and "failed to answer" in r.message]
    assert [r for r in caplog.records if "could not send an apology" in r.message]
    bot.fake.clear_faults()  # Discord recovers
    served = bot.say(QUESTION, author=BOB)
    await bot.settle()
    assert_once(bot, served, await expected(engine))
    assert not bot.fake.messages_in(lost)


async def test_invalid_auth_while_serving_is_logged_then_served(
    bot: DiscordHarness, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="citebot.discord")
    bot.fake.fail("POST", THREADS, "status", status=401,
                  body={"message": "401: Unauthorized", "code": 0})
    first = bot.say(QUESTION)
    await bot.settle()
    # Not retried (a 4xx cannot get better); the answer goes out as a reply instead.
    assert attempts(bot, f"/channels/{CHANNEL}/messages/{first}/threads") == [401]
    replies = bot.fake.messages_in(CHANNEL)
    assert [m["content"] for m in replies] == await expected(engine)
    second = bot.say(QUESTION, author=BOB)
    await bot.settle()
    assert_once(bot, second, await expected(engine))


async def test_slash_defer_that_timed_out_after_taking_effect(
    bot: DiscordHarness, engine: Engine
) -> None:
    bot.fake.fail("POST", r"/callback$", "commit_then_hang")
    token = bot.slash("ask", question=QUESTION)
    await bot.settle()
    calls = bot.interaction_requests(token)
    assert [(c.method, c.status) for c in calls] == [("POST", 0), ("POST", 400), ("PATCH", 200)]
    assert calls[-1].body["content"] == (await expected(engine))[0]


async def test_slash_follow_up_is_never_sent_twice(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    doc = write_long_document(tmp_path / "log.txt")

    harness = await DiscordHarness.start(
        monkeypatch, engine=build_engine([doc]), policy=QUICK_TIMEOUT, summary_sentences=12)
    try:
        harness.fake.fail("POST", r"^/webhooks/\d+/[^/]+$", "commit_then_hang")
        token = harness.slash("summary")
        await harness.settle()
        contents = [c.body["content"] for c in harness.interaction_requests(token)
                    if c.body and "content" in c.body]
        counts = Counter(m["content"] for m in harness.fake.messages if "webhook_id" in m)
        assert counts and max(counts.values()) == 1  # nothing delivered twice
        assert contents[-1] == APOLOGY  # the rest was not guessed at: the user is told
        assert any("failed to answer /summary" in r.message for r in caplog.records)
    finally:
        await harness.close()


def test_retry_rules() -> None:
    policy = DeliveryPolicy(backoff=1.0, max_backoff=4.0)
    refused = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("h", 1, False, False, None, None, None),
        OSError(111, "Connection refused"))
    assert retry_delay(refused, 1, idempotent=False, policy=policy) == 1.0
    assert retry_delay(TimeoutError(), 3, idempotent=True, policy=policy) == 4.0
    assert retry_delay(TimeoutError(), 1, idempotent=False, policy=policy) is None
    assert retry_delay(aiohttp.ServerDisconnectedError(), 1, idempotent=False,
                       policy=policy) is None
    assert retry_delay(discord.RateLimited(12.0), 1, idempotent=False, policy=policy) == 12.0
    assert retry_delay(discord.RateLimited(600.0), 1, idempotent=True, policy=policy) is None
    assert retry_delay(ValueError(), 1, idempotent=True, policy=policy) is None
    with pytest.raises(ValueError):
        DeliveryPolicy(attempts=0)


async def test_rejected_token_is_a_clear_start_up_error(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.base_url)
    wrong = "d3adb33f-wrong-token-value"
    try:
        client = build_client(settings(), Core(engine=engine, settings=settings()))
        with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
            await asyncio.wait_for(serve(client, token=wrong), 10)
        assert client.is_closed()
        assert [r.authorization for r in fake.requests] == [f"Bot {wrong}"]
        assert wrong not in caplog.text
    finally:
        await fake.close()


async def test_token_never_reaches_a_debug_log(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await DiscordHarness.start(monkeypatch, engine=engine, policy=QUICK_TIMEOUT)
    try:
        harness.fake.fail("POST", SEND, "429")
        harness.fake.fail("POST", SEND, "status", status=401)
        harness.fake.fail("POST", SEND, "commit_then_hang")
        harness.say(QUESTION)
        harness.slash("ask", question=QUESTION)
        harness.say_in_dm("summary")
        await harness.settle()
    finally:
        await harness.close()
    used = [r for r in harness.fake.requests if r.authorization == f"Bot {TOKEN}"]
    assert len(used) > 5  # the token really was in play
    assert caplog.records and any(r.levelno == logging.DEBUG for r in caplog.records)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    assert TOKEN not in caplog.text  # messages, and tracebacks of logged exceptions
    assert TOKEN.split(".")[-1] not in caplog.text


@pytest.mark.parametrize("channels", [(), ("questions",)], ids=["default", "channel questions"])
async def test_sigterm_closes_the_client_cleanly(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, channels: tuple[str, ...]
) -> None:
    fake = FakeDiscord(token=TOKEN)
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.base_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        yarl.URL(f"ws://127.0.0.1:{fake.port}/gateway"))
    try:
        chosen = settings(discord_channels=channels)
        client = build_client(chosen, Core(engine=engine, settings=chosen))
        running = asyncio.create_task(serve(client, token=TOKEN))
        await asyncio.wait_for(fake.identified.wait(), 10)
        intents = fake.identify["intents"]
        assert bool(intents & (1 << 15)) is bool(channels)  # message content only if needed
        assert intents & (1 << 9) and intents & (1 << 12)  # guild and direct messages
        assert not intents & (1 << 1)  # no members (privileged)
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(running, 10)
        assert client.is_closed()
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler removed again
    finally:
        await fake.close()


def test_citebot_discord_without_a_token_names_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main(["discord"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err and "Traceback" not in err
