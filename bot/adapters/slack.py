"""`citebot slack`: the core on Slack with slack-bolt's async app.

Socket Mode by default (``SLACK_APP_TOKEN``); ``--http`` serves the Events API on
``POST /slack/events`` with ``GET /healthz``. :func:`create_slack_bot` builds everything
from (settings, core, Web API base URL) so tests run the real Bolt app against a fake
Slack on 127.0.0.1. SIGTERM/SIGINT: stop taking events, finish answers in flight, exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_channels import ChannelFilter
from bot.adapters.slack_client import RetryPolicy, api_error, web_client, webhook_client
from bot.adapters.slack_dedupe import Deduplicator
from bot.adapters.slack_handlers import BotIdentity, SlackHandlers
from bot.adapters.slack_http import HttpLimits, HttpServer, build_web_app
from bot.adapters.slack_socket import SocketModeRunner
from bot.adapters.slack_tasks import InFlight
from bot.config import Settings
from bot.core import Core
from retrieval.errors import ConfigError

log = logging.getLogger("citebot.slack")

EXIT_OK = 0
DRAIN_SECONDS = 30.0


class DeliveryError(Exception):
    """A ``response_url`` refused a message after the client's retries."""


@dataclasses.dataclass
class SlackBot:
    """The running pieces of the Slack adapter; build with :func:`create_slack_bot`."""

    settings: Settings
    core: Core
    bolt: AsyncApp
    client: AsyncWebClient
    session: aiohttp.ClientSession
    identity: BotIdentity
    handlers: SlackHandlers
    inflight: InFlight
    policy: RetryPolicy
    started: float = dataclasses.field(default_factory=time.monotonic)

    def health(self) -> dict[str, Any]:
        corpus = self.core.engine.corpus
        return {
            "status": "ok" if self.inflight.accepting else "stopping",
            "documents": len(corpus.documents),
            "passages": len(corpus),
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "in_flight": len(self.inflight),
            "delivered": self.handlers.delivered,
            "failed": self.handlers.failed,
        }

    def web_app(self, *, limits: HttpLimits | None = None) -> web.Application:
        return build_web_app(
            bolt=self.bolt,
            signing_secret=self.settings.slack_signing_secret,
            health=self.health,
            limits=limits or HttpLimits(),
        )

    def socket_mode(self, *, ping_interval: float = 10.0) -> SocketModeRunner:
        return SocketModeRunner(
            bolt=self.bolt,
            app_token=self.settings.slack_app_token,
            client=self.client,
            ping_interval=ping_interval,
        )

    async def aclose(self, *, drain_timeout: float = DRAIN_SECONDS) -> bool:
        """Finish the answers in flight (up to ``drain_timeout`` s), then close the client."""
        finished = await self.inflight.drain(drain_timeout)
        await self.session.close()
        return finished


async def create_slack_bot(
    settings: Settings,
    core: Core,
    *,
    base_url: str | None = None,
    policy: RetryPolicy | None = None,
    dedupe: Deduplicator | None = None,
) -> SlackBot:
    """Check the bot token with ``auth.test`` and build the Bolt app around ``core``."""
    settings.require("SLACK_BOT_TOKEN")
    policy = policy or RetryPolicy()
    token = settings.slack_bot_token
    if token is None:  # for the type checker; require() raised already
        raise ConfigError("SLACK_BOT_TOKEN is not set")
    # slack_sdk ignores its own timeout when given a session: the session's applies.
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=200),
        timeout=aiohttp.ClientTimeout(total=policy.timeout_seconds),
    )
    try:
        client = web_client(
            token=token.reveal(),
            session=session,
            policy=policy,
            base_url=base_url or settings.slack_api_url,
        )
        identity = await _identify(client)
    except BaseException:
        await session.close()
        raise

    async def respond(url: str, message: dict[str, Any]) -> None:
        response = await webhook_client(url, session=session, policy=policy).send_dict(message)
        if response.status_code != 200:
            raise DeliveryError(f"HTTP {response.status_code}")

    result = AuthorizeResult(
        enterprise_id=identity.enterprise_id,
        team_id=identity.team_id,
        bot_user_id=identity.user_id,
        bot_id=identity.bot_id,
        bot_token=token.reveal(),
    )

    async def authorize() -> AuthorizeResult:  # one workspace, checked once at start-up
        return result

    secret = settings.slack_signing_secret
    # Bolt's own client carries no token: `authorize` hands it the bot token per request.
    bolt_client = web_client(
        token=None, session=session, policy=policy, base_url=base_url or settings.slack_api_url
    )
    bolt = AsyncApp(
        name="citebot",
        client=bolt_client,
        authorize=authorize,
        signing_secret=secret.reveal() if secret else "",
        process_before_response=True,
        request_verification_enabled=True,
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("citebot.slack.bolt"),
    )
    inflight = InFlight()
    handlers = SlackHandlers(
        core=core,
        settings=settings,
        client=client,
        identity=identity,
        respond=respond,
        inflight=inflight,
        dedupe=dedupe or Deduplicator(),
        channels=ChannelFilter(configured=settings.slack_channels, client=client),
    )
    handlers.register(bolt)
    return SlackBot(
        settings=settings, core=core, bolt=bolt, client=client, session=session,
        identity=identity, handlers=handlers, inflight=inflight, policy=policy,
    )


async def _identify(client: AsyncWebClient) -> BotIdentity:
    try:
        info = await client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack ({api_error(exc)})") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach Slack's Web API at {_without_userinfo(client.base_url)} "
            f"({type(exc).__name__}); "
            "check SLACK_API_URL and the network"
        ) from None
    return BotIdentity(
        user_id=str(info.get("user_id") or ""),
        bot_id=str(info.get("bot_id") or ""),
        team_id=info.get("team_id"),
        enterprise_id=info.get("enterprise_id"),
    )


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


async def serve(
    settings: Settings, core: Core, *, http: bool, host: str, port: int
) -> int:
    """Run until SIGTERM/SIGINT, then stop taking events and finish answers in flight."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bot = await create_slack_bot(settings, core)
    try:
        if http:
            server = HttpServer(app=bot.web_app(), host=host, port=port)
            bound = await server.start()
            _announce(f"serving Slack events on http://{host}:{bound}/slack/events")
            await stop.wait()
            await server.stop()  # stop listening; requests in progress still finish
        else:
            runner = bot.socket_mode()
            await runner.start()
            _announce("connected to Slack (Socket Mode)")
            await stop.wait()
            await runner.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)  # a second signal stops at once
        _announce(f"stopping: finishing {len(bot.inflight)} answers in flight")
    finally:
        await bot.aclose()
    return EXIT_OK


def _announce(message: str) -> None:
    print(f"citebot: {message}", file=sys.stderr, flush=True)


def run_slack(args: argparse.Namespace) -> int:
    """Entry point of ``citebot slack``; configuration errors raise ConfigError."""
    from bot.core import build_core

    settings = Settings.from_env()
    if getattr(args, "docs", None):
        settings = dataclasses.replace(
            settings, docs_paths=tuple(Path(p) for p in args.docs)
        )
    http = bool(getattr(args, "http", False))
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET" if http else "SLACK_APP_TOKEN")
    core = build_core(settings)
    try:
        return asyncio.run(serve(settings, core, http=http, host=args.host, port=args.port))
    finally:
        core.close()
