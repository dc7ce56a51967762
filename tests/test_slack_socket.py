"""The real Bolt app through Socket Mode, against a fake Slack websocket on 127.0.0.1."""

from __future__ import annotations

import pytest
from fakes.slack_api import FakeSlackAPI
from fakes.slack_harness import APP_TOKEN, BOT_TOKEN, running_slack, slack_settings
from fakes.slack_payloads import command_payload

from bot.adapters.slack import create_slack_bot
from bot.core import Core
from retrieval.engine import Engine
from retrieval.errors import ConfigError

QUESTION = "Who posted the audio recording on Telegram?"


async def test_mention_over_socket_mode_is_acked_and_answered_in_thread(engine: Engine) -> None:
    async with running_slack(engine, socket_mode=True) as h:
        mention = h.events.mention(QUESTION, thread_ts="1700000000.000200")
        envelope = await h.fake.send_envelope("events_api", h.events.callback(mention))
        ack = await h.fake.wait_ack(envelope)
        assert ack["envelope_id"] == envelope
        [post] = await h.fake.wait_posts(1)
        assert post["thread_ts"] == "1700000000.000200"
        assert "Simonyan" in post["text"]
        assert h.fake.calls_of("apps.connections.open")[0].token == APP_TOKEN


async def test_socket_mode_redelivery_is_answered_once(engine: Engine) -> None:
    async with running_slack(engine, socket_mode=True) as h:
        callback = h.events.callback(h.events.mention(QUESTION))
        first = await h.fake.send_envelope("events_api", callback)
        again = await h.fake.send_envelope("events_api", callback, retry_attempt=1)
        await h.fake.wait_ack(first)
        await h.fake.wait_ack(again)
        await h.bot.inflight.wait_idle(10.0)
        assert len(h.fake.posts) == 1


async def test_slash_commands_over_socket_mode(engine: Engine) -> None:
    async with running_slack(engine, socket_mode=True, env={"SLACK_EPHEMERAL": "true"}) as h:
        ask = command_payload("/ask", QUESTION, response_url=h.fake.response_url("a"))
        summary = command_payload("/summary", "Taurus", response_url=h.fake.response_url("s"))
        for payload in (ask, summary):
            await h.fake.wait_ack(await h.fake.send_envelope("slash_commands", payload))
        await h.fake.wait_responses(2)
        by_key = dict(h.fake.responses)
        assert "Simonyan" in by_key["a"]["text"]
        assert "Taurus" in by_key["s"]["text"]
        assert all(r["response_type"] == "ephemeral" for r in by_key.values())


async def test_dm_over_socket_mode(engine: Engine) -> None:
    async with running_slack(engine, socket_mode=True) as h:
        dm = h.events.message(QUESTION, channel="D0042", channel_type="im")
        await h.fake.send_envelope("events_api", h.events.callback(dm))
        [post] = await h.fake.wait_posts(1)
        assert post["channel"] == "D0042"


async def test_refused_app_token_is_a_start_up_error(engine: Engine) -> None:
    fake = FakeSlackAPI(bot_token=BOT_TOKEN, app_token="xapp-the-real-one")
    await fake.start()
    settings = slack_settings()
    bot = await create_slack_bot(
        settings, Core(engine=engine, settings=settings), base_url=fake.base_url
    )
    try:
        with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
            await bot.socket_mode().start()
        bad = slack_settings(SLACK_APP_TOKEN="xoxb-not-an-app-token")
        bad_bot = await create_slack_bot(
            bad, Core(engine=engine, settings=bad), base_url=fake.base_url
        )
        with pytest.raises(ConfigError, match="xapp-"):
            bad_bot.socket_mode()
        await bad_bot.aclose()
    finally:
        await bot.aclose()
        await fake.stop()
