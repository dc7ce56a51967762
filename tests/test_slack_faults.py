"""Injected Slack Web API faults: answers arrive once Slack recovers, never twice."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest
from fakes.slack_api import Fault
from fakes.slack_harness import FAST_RETRIES, running_slack, slack_settings
from fakes.slack_payloads import command_payload

from bot.adapters.slack import create_slack_bot
from bot.core import Core
from retrieval.engine import Engine
from retrieval.errors import ConfigError

QUESTION = "Who posted the audio recording on Telegram?"


class Signal(logging.Handler):
    """Sets an asyncio event when a log record containing ``needle`` is emitted."""

    def __init__(self, needle: str) -> None:
        super().__init__(logging.DEBUG)
        self.needle = needle
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.seen.set()


@pytest.mark.parametrize(
    "fault, outcome",
    [
        (Fault.ratelimited(retry_after=0), "ratelimited"),
        (Fault.server_error(500), "status"),
        (Fault.server_error(503), "status"),
        (Fault.disconnect(), "disconnect"),
    ],
)
async def test_transient_fault_then_success_posts_once(
    engine: Engine, fault: Fault, outcome: str
) -> None:
    async with running_slack(engine) as h:
        h.fake.fail("chat.postMessage", fault)
        await h.event(h.events.mention(QUESTION))
        await h.bot.inflight.wait_idle(15.0)
        assert len(h.fake.posts) == 1
        assert [c.outcome for c in h.fake.calls_of("chat.postMessage")] == [outcome, "ok"]


async def test_retry_after_is_honoured(engine: Engine) -> None:
    async with running_slack(engine) as h:
        h.fake.fail("chat.postMessage", Fault.ratelimited(retry_after=1))
        await h.event(h.events.mention(QUESTION))
        await h.bot.inflight.wait_idle(15.0)
        first, second = h.fake.calls_of("chat.postMessage")
        assert second.at - first.at >= 1.0  # waited at least Retry-After seconds
        assert len(h.fake.posts) == 1


async def test_connection_refused_then_recovery(engine: Engine) -> None:
    policy = replace(FAST_RETRIES, backoff_factor=0.2, connection_retries=8)
    retrying = Signal("chat.postMessage: ClientConnectorError")
    logging.getLogger("citebot.slack").addHandler(retrying)
    try:
        async with running_slack(engine, policy=policy) as h:
            await h.fake.go_down()
            assert (await h.event(h.events.mention(QUESTION))).status == 200
            await asyncio.wait_for(retrying.seen.wait(), 10.0)
            await h.fake.go_up()
            await h.bot.inflight.wait_idle(15.0)
            assert len(h.fake.posts) == 1
    finally:
        logging.getLogger("citebot.slack").removeHandler(retrying)


async def test_timeout_is_not_retried_so_never_posted_twice(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    policy = replace(FAST_RETRIES, timeout_seconds=0.5)
    async with running_slack(engine, policy=policy) as h:
        h.fake.fail("chat.postMessage", Fault.timeout(delay=2.0))
        await h.event(h.events.mention(QUESTION))
        await h.bot.inflight.wait_idle(15.0)
        assert len(h.fake.calls_of("chat.postMessage")) == 1
        assert len(h.fake.posts) == 1  # Slack got it once; the bot did not send it again
        assert "chat.postMessage failed" in caplog.text
        await h.event(h.events.mention("What are Taurus missiles?"))
        await h.fake.wait_posts(2)


async def test_invalid_auth_and_persistent_errors_are_logged_and_bot_keeps_serving(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_slack(engine) as h:
        h.fake.fail("chat.postMessage", Fault.api_error("invalid_auth"))
        await h.event(h.events.mention(QUESTION))
        await h.bot.inflight.wait_idle(10.0)
        h.fake.fail("chat.postMessage", *[Fault.server_error(500)] * 3)  # > retries
        await h.event(h.events.mention(QUESTION))
        await h.bot.inflight.wait_idle(15.0)
        assert h.fake.posts == []
        assert "invalid_auth" in caplog.text
        assert caplog.text.count("answer not delivered") == 2
        assert (await h.health())["failed"] == 2
        await h.event(h.events.mention("What are Taurus missiles?"))
        assert len(await h.fake.wait_posts(1)) == 1


async def test_response_url_fault_then_success(engine: Engine) -> None:
    async with running_slack(engine, env={"SLACK_EPHEMERAL": "false"}) as h:
        h.fake.fail("response_url", Fault.server_error(500), Fault.ratelimited(0))
        fields = command_payload("/ask", QUESTION, response_url=h.fake.response_url("r1"))
        assert (await h.command(fields)).status == 200
        await h.bot.inflight.wait_idle(15.0)
        assert len(h.fake.responses) == 1
        outcomes = [c.outcome for c in h.fake.calls_of("response_url")]
        assert outcomes == ["status", "ratelimited", "ok"]


async def test_rejected_bot_token_is_a_start_up_error(engine: Engine) -> None:
    async with running_slack(engine) as h:
        settings = slack_settings(SLACK_BOT_TOKEN="xoxb-wrong")
        with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
            await create_slack_bot(
                settings, Core(engine=engine, settings=settings), base_url=h.fake.base_url
            )
        unreachable = slack_settings(SLACK_API_URL="http://127.0.0.1:9/api/")
        with pytest.raises(ConfigError, match="cannot reach"):
            await create_slack_bot(
                unreachable,
                Core(engine=engine, settings=unreachable),
                policy=replace(FAST_RETRIES, connection_retries=0),
            )
