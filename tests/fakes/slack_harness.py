"""The real Slack adapter (Bolt app + aiohttp server or Socket Mode) against the fake Slack.

Used by tests and benchmarks: ``async with running_slack(engine) as h`` starts the fake
Web API, builds the adapter with :func:`bot.adapters.slack.create_slack_bot` pointed at
it, serves ``POST /slack/events`` on an ephemeral 127.0.0.1 port (or connects through
Socket Mode with ``socket_mode=True``), and tears it all down, draining answers first.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.adapters.slack import SlackBot, create_slack_bot
from bot.adapters.slack_client import RetryPolicy
from bot.adapters.slack_http import HttpLimits, HttpServer
from bot.adapters.slack_socket import SocketModeRunner
from bot.config import Settings
from bot.core import Core
from retrieval.engine import Engine

from .slack_api import FakeSlackAPI
from .slack_payloads import Events, action_request, event_request, form_request

SIGNING_SECRET = "test-signing-secret-8f2c1d"
BOT_TOKEN = "xoxb-test-bot-token-5a9e"
APP_TOKEN = "xapp-test-app-token-77c3"

# Fast, deterministic retries for tests: no jitter, short backoff, short timeout.
FAST_RETRIES = RetryPolicy(backoff_factor=0.05, jitter=False, timeout_seconds=2.0)


@dataclass
class Reply:
    status: int
    text: str


@dataclass
class SlackHarness:
    fake: FakeSlackAPI
    bot: SlackBot
    settings: Settings
    http: aiohttp.ClientSession
    events: Events
    url: str = ""  # http://127.0.0.1:PORT when serving HTTP

    async def post(
        self, body: str, headers: Mapping[str, str], path: str = "/slack/events"
    ) -> Reply:
        async with self.http.post(self.url + path, data=body.encode(), headers=dict(headers)) as r:
            return Reply(r.status, await r.text())

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry_num: int | None = None, timestamp: int | None = None) -> Reply:
        callback = self.events.callback(event, event_id=event_id)
        body, headers = event_request(
            SIGNING_SECRET, callback, retry_num=retry_num, timestamp=timestamp
        )
        return await self.post(body, headers)

    async def command(self, fields: dict[str, str]) -> Reply:
        body, headers = form_request(SIGNING_SECRET, fields)
        return await self.post(body, headers)

    async def action(self, payload: dict[str, Any]) -> Reply:
        body, headers = action_request(SIGNING_SECRET, payload)
        return await self.post(body, headers)

    async def health(self) -> dict[str, Any]:
        async with self.http.get(self.url + "/healthz") as r:
            return dict(json.loads(await r.text()))


def slack_settings(**env: str) -> Settings:
    base = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "CITEBOT_RATE_LIMIT_PER_MINUTE": "0",
    }
    base.update(env)
    return Settings.from_env(base)


@asynccontextmanager
async def running_slack(
    engine: Engine,
    *,
    env: Mapping[str, str] | None = None,
    policy: RetryPolicy = FAST_RETRIES,
    socket_mode: bool = False,
    limits: HttpLimits | None = None,
    channel_names: dict[str, str] | None = None,
) -> AsyncIterator[SlackHarness]:
    fake = FakeSlackAPI(bot_token=BOT_TOKEN, app_token=APP_TOKEN, channel_names=channel_names)
    await fake.start()
    settings = slack_settings(**dict(env or {}))
    core = Core(engine=engine, settings=settings)
    bot = await create_slack_bot(settings, core, base_url=fake.base_url, policy=policy)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    harness = SlackHarness(fake=fake, bot=bot, settings=settings, http=http, events=Events())
    server: HttpServer | None = None
    runner: SocketModeRunner | None = None
    try:
        if socket_mode:
            runner = bot.socket_mode(ping_interval=5.0)
            await runner.start()
            await fake.wait_socket()
        else:
            limits = limits or HttpLimits()
            server = HttpServer(
                app=bot.web_app(limits=limits), host="127.0.0.1", port=0, limits=limits
            )
            port = await server.start()
            harness.url = f"http://127.0.0.1:{port}"
        yield harness
    finally:
        if server is not None:
            await server.stop()
        if runner is not None:
            await runner.stop()
        await bot.aclose(drain_timeout=10.0)
        await http.close()
        await fake.stop()
