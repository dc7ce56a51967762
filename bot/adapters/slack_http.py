"""The HTTP transport: ``POST /slack/events`` and ``GET /healthz`` on aiohttp.

Every request to ``/slack/events`` is signature-checked here, before Bolt parses it, with
``slack_sdk``'s verifier (HMAC over timestamp and body, timestamps older than five minutes
refused) and again by Bolt's own middleware, which this module never switches off. There
is no way to build this server without a signing secret. Limits: the body is capped
(413), must arrive within a time limit (408), and handling is bounded in time (503).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.config import Secret
from retrieval.errors import ConfigError

log = logging.getLogger("citebot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


@dataclass(frozen=True)
class HttpLimits:
    max_body_bytes: int = 1024 * 1024  # Slack's payloads are a few KiB
    read_timeout_seconds: float = 10.0  # the whole body must arrive within this
    handler_timeout_seconds: float = 10.0  # Slack gives up after 3 s anyway
    keepalive_seconds: float = 75.0
    lingering_seconds: float = 0.5  # after refusing a body, how long to drain what is left
    max_headers: int = 64


def build_web_app(
    *,
    bolt: AsyncApp,
    signing_secret: Secret | None,
    health: Callable[[], dict[str, Any]],
    limits: HttpLimits = HttpLimits(),
) -> web.Application:
    """The aiohttp application serving Slack's HTTP Events API for ``bolt``."""
    if signing_secret is None or not signing_secret.reveal().strip():
        raise ConfigError("SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify Slack")
    verifier = SignatureVerifier(signing_secret.reveal())

    async def events(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > limits.max_body_bytes:
            return _closing(web.json_response({"error": "request too large"}, status=413))
        try:
            async with asyncio.timeout(limits.read_timeout_seconds):
                raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _closing(web.json_response({"error": "request too large"}, status=413))
        except TimeoutError:
            return _closing(web.json_response({"error": "request body too slow"}, status=408))
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        if not verifier.is_valid_request(body, request.headers):
            log.info("slack: refused a request with a missing, bad or stale signature")
            return web.json_response({"error": "invalid request"}, status=401)
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
        try:
            async with asyncio.timeout(limits.handler_timeout_seconds):
                bolt_response = await bolt.async_dispatch(bolt_request)
        except TimeoutError:
            log.error("slack: handling a request took over %.0f s", limits.handler_timeout_seconds)
            return web.json_response({"error": "busy"}, status=503)
        return await to_aiohttp_response(bolt_response)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response(health())

    app = web.Application(client_max_size=limits.max_body_bytes)
    app.router.add_post(EVENTS_PATH, events)
    app.router.add_get(HEALTH_PATH, healthz)
    return app


def _closing(response: web.Response) -> web.Response:
    """Close the connection after ``response``: never wait for the rest of a refused body."""
    response.force_close()
    return response


class HttpServer:
    """Runs a web application on ``host:port``; ``stop()`` finishes requests in progress."""

    def __init__(
        self,
        *,
        app: web.Application,
        host: str,
        port: int,
        limits: HttpLimits = HttpLimits(),
        shutdown_timeout: float = 5.0,
    ) -> None:
        self._runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=shutdown_timeout,
            keepalive_timeout=limits.keepalive_seconds,
            lingering_time=limits.lingering_seconds,
            max_headers=limits.max_headers,
        )
        self._host = host
        self._port = port
        self.port: int | None = None

    async def start(self) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, backlog=1024)
        await site.start()
        server = site._server
        sockets: list[socket.socket] = list(getattr(server, "sockets", None) or [])
        self.port = sockets[0].getsockname()[1] if sockets else self._port
        return self.port

    async def stop(self) -> None:
        """Stop listening, let requests in progress finish, close connections."""
        await self._runner.cleanup()
