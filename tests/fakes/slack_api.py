"""A fake Slack Web API and Socket Mode server on 127.0.0.1 (aiohttp), with scripted faults.

It speaks enough of Slack to run the real Bolt app against it: ``auth.test``,
``chat.postMessage``, ``conversations.info``, ``apps.connections.open`` (Socket Mode),
``response_url`` endpoints, and a websocket that sends Socket Mode envelopes and records
their acknowledgements. Faults are scripted per method and used up in order:
``429`` with ``Retry-After``, HTTP 5xx, a response slower than the client's timeout, a
dropped connection, an ``ok: false`` error such as ``invalid_auth``; ``go_down()`` /
``go_up()`` close and reopen the listening socket (connection refused in between).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web


@dataclass(frozen=True)
class Fault:
    """One scripted failure of one API call."""

    kind: str  # "ratelimited", "status", "timeout", "disconnect", "error"
    status: int = 500
    retry_after: int = 0
    delay: float = 0.0
    error: str = ""

    @classmethod
    def ratelimited(cls, retry_after: int = 0) -> Fault:
        return cls("ratelimited", status=429, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("status", status=status)

    @classmethod
    def timeout(cls, delay: float) -> Fault:
        """Process the call (it counts as delivered) but answer only after ``delay`` s."""
        return cls("timeout", delay=delay)

    @classmethod
    def disconnect(cls) -> Fault:
        return cls("disconnect")

    @classmethod
    def api_error(cls, error: str = "invalid_auth") -> Fault:
        return cls("error", error=error)


@dataclass
class Call:
    """One request the fake received, and what it did with it."""

    method: str
    payload: dict[str, Any]
    token: str | None
    outcome: str  # "ok", "ratelimited", "status", "timeout", "disconnect", "error"
    at: float = field(default_factory=time.monotonic)


class FakeSlackAPI:
    """Slack's Web API, ``response_url`` endpoints and Socket Mode websocket on loopback."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-fake-bot-token",
        app_token: str = "xapp-fake-app-token",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        channel_names: dict[str, str] | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.channel_names = dict(channel_names or {})
        self.calls: list[Call] = []
        self.posts: list[dict[str, Any]] = []  # chat.postMessage calls that were processed
        self.responses: list[tuple[str, dict[str, Any]]] = []  # (response_url key, body)
        self.acks: dict[str, dict[str, Any]] = {}  # Socket Mode envelope id -> ack message
        self.socket_connections = 0
        self.port = 0
        self._faults: dict[str, deque[Fault]] = {}
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._sockets: list[web.WebSocketResponse] = []

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen(port)

    async def _listen(self, port: int) -> None:
        if self._runner is None:
            raise RuntimeError("start() first")
        self._site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await self._site.start()
        server = self._site._server
        if server is None or not getattr(server, "sockets", None):
            raise RuntimeError("the fake Slack API did not bind")
        self.port = server.sockets[0].getsockname()[1]

    async def go_down(self) -> None:
        """Close the listening socket: new connections are refused until ``go_up()``."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        server = self._runner.server if self._runner is not None else None
        for connection in list(getattr(server, "connections", [])):
            connection.force_close()  # kept-alive connections die too

    async def go_up(self) -> None:
        await self._listen(self.port)

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # -- scripting and waiting --------------------------------------------------------------

    def fail(self, method: str, *faults: Fault) -> None:
        """The next ``len(faults)`` calls of ``method`` fail in this order."""
        self._faults.setdefault(method, deque()).extend(faults)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        if self._changed is None:
            raise RuntimeError("start() first")
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_posts(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        await self.wait_until(lambda: len(self.posts) >= count, timeout)
        return list(self.posts)

    async def wait_responses(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        await self.wait_until(lambda: len(self.responses) >= count, timeout)
        return [body for _, body in self.responses]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # -- Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        payload = await _payload(request)
        auth = request.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else payload.get("token")
        queue = self._faults.get(method)
        fault = queue.popleft() if queue else None
        outcome = fault.kind if fault else "ok"
        if fault is None or fault.kind == "timeout":
            body = self._perform(method, payload, token)
            if not body.get("ok"):
                outcome = "error"
        self.calls.append(Call(method, payload, token, outcome))
        await self._notify()
        if fault is None:
            return web.json_response(body)
        if fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
            return web.json_response(body)
        if fault.kind == "ratelimited":
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(fault.retry_after)},
            )
        if fault.kind == "status":
            return web.Response(status=fault.status, text="Internal Server Error")
        if fault.kind == "disconnect":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        return web.json_response({"ok": False, "error": fault.error})

    def _perform(self, method: str, payload: dict[str, Any], token: str | None) -> dict[str, Any]:
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {
                "ok": True, "url": "https://fake.slack.test/", "team": "Fake",
                "user": "citebot", "team_id": self.team_id, "user_id": self.bot_user_id,
                "bot_id": self.bot_id, "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            if not payload.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            self.posts.append(payload)
            ts = f"{time.time():.6f}"
            return {"ok": True, "channel": payload["channel"], "ts": ts, "message": payload}
        if method == "conversations.info":
            channel = str(payload.get("channel", ""))
            name = self.channel_names.get(channel)
            if name is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": channel, "name": name}}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return {"ok": False, "error": "unknown_method"}

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        queue = self._faults.get("response_url")
        fault = queue.popleft() if queue else None
        body = await request.json()
        self.calls.append(Call("response_url", body, None, fault.kind if fault else "ok"))
        if fault is not None and fault.kind != "timeout":
            await self._notify()
            if fault.kind == "ratelimited":
                return web.Response(
                    status=429, text="rate limited", headers={"Retry-After": str(fault.retry_after)}
                )
            return web.Response(status=fault.status, text="error")
        self.responses.append((key, body))
        await self._notify()
        if fault is not None:
            await asyncio.sleep(fault.delay)
        return web.Response(text="ok")

    # -- Socket Mode -----------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"},
             "debug_info": {"host": "fake", "approximate_connection_time": 3600}}
        )
        await self._notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = data
                        await self._notify()
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_socket(self, timeout: float = 10.0) -> None:
        await self.wait_until(lambda: bool(self._sockets), timeout)

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0
    ) -> str:
        """Send one Socket Mode envelope (``events_api``, ``slash_commands``, ``interactive``)."""
        if not self._sockets:
            raise RuntimeError("no Socket Mode connection")
        envelope_id = str(uuid.uuid4())
        await self._sockets[-1].send_json(
            {"envelope_id": envelope_id, "type": kind, "payload": payload,
             "accepts_response_payload": kind != "events_api",
             "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else ""}
        )
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        await self.wait_until(lambda: envelope_id in self.acks, timeout)
        return self.acks[envelope_id]


async def _payload(request: web.Request) -> dict[str, Any]:
    payload: dict[str, Any] = dict(request.query)
    raw = await request.read()
    if not raw:
        return payload
    if request.content_type == "application/json":
        payload.update(json.loads(raw))
    else:
        payload.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return payload
