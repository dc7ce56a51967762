"""A fake Discord REST API on 127.0.0.1 that records every request and answers like Discord.

discord.py talks to it unchanged once ``discord.http.Route.BASE`` points here (both the bot
routes and the interaction webhooks are built on that base). It implements what citebot
uses: login (``/users/@me``, ``/oauth2/applications/@me``), command sync, channel messages
(with Discord's ``enforce_nonce`` de-duplication), threads started on a message, interaction
callbacks and webhook follow-ups. Faults are injected per route: 429 with ``Retry-After``
(and the ``Via`` header real 429s carry), any status code, a hang before or after the
request took effect, a dropped connection, or the whole server going offline (connection
refused) until ``go_online``.

It also builds the gateway payloads (``READY``, ``GUILD_CREATE``, ``MESSAGE_CREATE``,
``INTERACTION_CREATE``, ``THREAD_CREATE``) the tests feed to the client's own parsers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
TIMESTAMP = "2025-01-01T00:00:00.000000+00:00"
ALL_PERMISSIONS = (1 << 50) - 1
# The permissions the README asks for: view + send + send in threads + create public threads
# + read history + use application commands.
BOT_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 38) | (1 << 35) | (1 << 16) | (1 << 31)


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any  # parsed JSON, or None
    authorization: str | None
    status: int = 0  # what the fake answered (0: no answer, the request hung or dropped)
    at: float = field(default_factory=time.perf_counter)  # when it arrived


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    kind: str  # "status", "429", "hang", "commit_then_hang", "drop"
    times: int
    status: int = 500
    retry_after: float = 0.05
    body: JSON = field(default_factory=dict)


class FakeDiscord:
    """The Discord REST API, in-process, on a loopback port."""

    def __init__(
        self, *, token: str, app_id: int = 1_100_000_000_000_000_001, bot_id: int | None = None
    ) -> None:
        self.token = token
        self.app_id = app_id
        self.bot_id = bot_id if bot_id is not None else app_id
        self.bot_name = "citebot"
        self.requests: list[Recorded] = []
        self.messages: list[JSON] = []  # every message created, in order
        self.threads: dict[int, JSON] = {}
        self.no_thread_channels: set[int] = set()  # thread creation answers 403 there
        self.synced: dict[str, list[JSON]] = {}  # "global" or guild id -> commands
        self.guild_of: dict[int, int] = {}  # channel id -> guild id, for thread payloads
        self._interaction_channels: dict[str, int] = {}  # interaction token -> channel id
        self._acknowledged: set[int] = set()  # interactions with an initial response
        self.identified = asyncio.Event()  # a client sent IDENTIFY on the fake gateway
        self.identify: JSON = {}
        self._faults: list[Fault] = []
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self._nonces: dict[tuple[int, str], JSON] = {}
        self._changed = asyncio.Condition()
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0

    # -- life cycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle)
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        if not self.port:
            server = self._site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def go_offline(self) -> None:
        """Stop listening and drop open connections: clients now get 'connection refused'."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self._runner is not None and self._runner.server is not None:
            for handler in list(self._runner.server.connections):
                handler.force_close()
                if handler.transport is not None:
                    handler.transport.close()

    async def go_online(self) -> None:
        if self._site is None:
            await self._listen()

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        """Just enough of the gateway for a client to connect: HELLO, IDENTIFY, READY."""
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for frame in ws:
            payload = json.loads(frame.data)
            if payload.get("op") == 2:
                self.identify = payload.get("d") or {}
                await ws.send_json({"op": 0, "s": 1, "t": "READY",
                                    "d": ready(self.bot_user(), self.app_id, [])})
                self.identified.set()
            elif payload.get("op") == 1:
                await ws.send_json({"op": 11})
        return ws

    # -- faults and queries -----------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        kind: str = "status",
        *,
        times: int = 1,
        status: int = 500,
        retry_after: float = 0.05,
        body: JSON | None = None,
    ) -> None:
        """Make the next ``times`` requests matching ``method`` and the regex ``path`` fail."""
        self._faults.append(
            Fault(method, re.compile(path), kind, times, status, retry_after, body or {})
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def content_requests(self) -> list[Recorded]:
        """Every request whose body carries message content."""
        return [r for r in self.requests if isinstance(r.body, dict) and "content" in r.body]

    def messages_in(self, channel_id: int) -> list[JSON]:
        return [m for m in self.messages if int(m["channel_id"]) == int(channel_id)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(wait(), timeout)

    # -- the API ----------------------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = Recorded(
            request.method, path, dict(request.query), body, request.headers.get("Authorization")
        )
        self.requests.append(record)
        try:
            response = await self._respond(request, record)
            record.status = response.status
            return response
        finally:
            async with self._changed:
                self._changed.notify_all()

    async def _respond(self, request: web.Request, record: Recorded) -> web.Response:
        fault = self._take_fault(record)
        if fault is not None:
            if fault.kind == "hang":
                await self._release.wait()
                raise ConnectionResetError("fake discord closed")
            if fault.kind == "drop":
                if request.transport is not None:
                    request.transport.close()
                raise ConnectionResetError("dropped")
            if fault.kind == "429":
                return _json(
                    {"message": "You are being rate limited.", "retry_after": fault.retry_after,
                     "global": False, "code": 0},
                    status=429,
                    headers={"Retry-After": f"{fault.retry_after:.3f}", "Via": "1.1 google",
                             "X-RateLimit-Scope": "user"},
                )
            if fault.kind == "status":
                return _json(fault.body or {"message": f"{fault.status}: fault", "code": 0},
                             status=fault.status)
        if not self._authorised(record):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        response = self._route(record)
        if fault is not None and fault.kind == "commit_then_hang":
            await self._release.wait()
            raise ConnectionResetError("fake discord closed")
        return response

    def _take_fault(self, record: Recorded) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method == record.method and fault.pattern.search(
                record.path
            ):
                fault.times -= 1
                return fault
        return None

    def _authorised(self, record: Recorded) -> bool:
        if record.path.startswith(("/interactions/", "/webhooks/")):
            return True  # authorised by the interaction token in the path
        return record.authorization == f"Bot {self.token}"

    def _route(self, r: Recorded) -> web.Response:
        m = r.method
        if m == "GET" and r.path == "/users/@me":
            return _json(self.bot_user())
        if m == "GET" and r.path == "/oauth2/applications/@me":
            return _json(self.application())
        if m == "PUT" and (match := re.fullmatch(
            r"/applications/\d+(?:/guilds/(\d+))?/commands", r.path)):
            return _json(self._sync(match.group(1) or "global", r.body or []))
        if m == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages", r.path)):
            return self._create_message(int(match.group(1)), r.body or {})
        if m == "POST" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads",
                                                  r.path)):
            return self._create_thread(int(match.group(1)), int(match.group(2)), r.body or {})
        if m == "POST" and (match := re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", r.path)):
            interaction = int(match.group(1))
            if interaction in self._acknowledged:
                return _json({"message": "Interaction has already been acknowledged.",
                              "code": 40060}, status=400)
            self._acknowledged.add(interaction)
            return _json(self._callback(interaction, r.body or {}))
        if m == "GET" and r.path == "/gateway/bot":
            return _json({"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": 1,
                          "session_start_limit": {"total": 1000, "remaining": 999,
                                                  "reset_after": 0, "max_concurrency": 1}})
        if match := re.fullmatch(r"/webhooks/\d+/([^/]+)(/messages/@original)?", r.path):
            channel = self._interaction_channels.get(match.group(1), 0)
            message = self.message(channel, self.bot_user(), (r.body or {}).get("content", ""))
            message["webhook_id"] = str(self.app_id)
            message["flags"] = (r.body or {}).get("flags", 0)
            self.messages.append(message)
            return _json(message)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _sync(self, where: str, commands: list[JSON]) -> list[JSON]:
        out = []
        for command in commands:
            out.append({**command, "id": str(self.next_id()), "application_id": str(self.app_id),
                        "version": "1", "default_member_permissions": None,
                        **({"guild_id": where} if where != "global" else {})})
        self.synced[where] = out
        return out

    def _create_message(self, channel_id: int, body: JSON) -> web.Response:
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = (channel_id, str(nonce))
            if key in self._nonces:  # Discord returns the message created with this nonce
                return _json(self._nonces[key])
        if len(body.get("content") or "") > 2000:
            return _json({"message": "Invalid Form Body", "code": 50035,
                          "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH"}]}}},
                         status=400)
        message = self.message(channel_id, self.bot_user(), body.get("content", ""), nonce=nonce)
        if "message_reference" in body:
            message["message_reference"] = body["message_reference"]
        self.messages.append(message)
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = message
        return _json(message)

    def _create_thread(self, channel_id: int, message_id: int, body: JSON) -> web.Response:
        if channel_id in self.no_thread_channels:
            return _json({"message": "Missing Permissions", "code": 50013}, status=403)
        if message_id in self.threads:
            return _json({"message": "A thread has already been created for this message",
                          "code": 160004}, status=400)
        thread = thread_channel(message_id, self.guild_of.get(channel_id, 0), channel_id,
                                body.get("name", "thread"), owner_id=self.bot_id)
        self.threads[message_id] = thread
        return _json(thread)

    def _callback(self, interaction_id: int, body: JSON) -> JSON:
        flags = (body.get("data") or {}).get("flags", 0)
        return {"interaction": {"id": str(interaction_id), "type": 2,
                                "response_message_loading": body.get("type") == 5,
                                "response_message_ephemeral": bool(flags & 64)},
                "resource": {"type": body.get("type", 5)}}

    # -- objects ----------------------------------------------------------------------------

    def bot_user(self) -> JSON:
        return user(self.bot_id, self.bot_name, bot=True)

    def application(self) -> JSON:
        owner = user(1_000_000_000_000_000_001, "owner")
        return {"id": str(self.app_id), "name": self.bot_name, "icon": None,
                "description": "", "bot_public": True, "bot_require_code_grant": False,
                "owner": owner, "verify_key": "0" * 64, "team": None, "flags": 0,
                "bot": self.bot_user()}

    def message(self, channel_id: int, author: JSON, content: str, *,
                nonce: str | None = None) -> JSON:
        return message_payload(self.next_id(), channel_id, author, content, nonce=nonce)

    def remember_channel(self, channel_id: int, guild_id: int) -> None:
        self.guild_of[channel_id] = guild_id

    def remember_interaction(self, token: str, channel_id: int) -> None:
        self._interaction_channels[token] = channel_id


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly Discord's Content-Type: discord.py only parses JSON when it matches.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


# -- gateway payloads ---------------------------------------------------------------------------


def user(user_id: int, name: str, *, bot: bool = False) -> JSON:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot, "public_flags": 0}


def role(role_id: int, name: str, permissions: int, *, position: int = 0) -> JSON:
    return {"id": str(role_id), "name": name, "permissions": str(permissions),
            "position": position, "color": 0, "hoist": False, "managed": False,
            "mentionable": False, "flags": 0}


def text_channel(channel_id: int, guild_id: int, name: str, *, overwrites: list[JSON] | None = None
                 ) -> JSON:
    return {"id": str(channel_id), "guild_id": str(guild_id), "name": name, "type": 0,
            "position": 0, "permission_overwrites": overwrites or [], "nsfw": False,
            "parent_id": None, "topic": None, "last_message_id": None,
            "rate_limit_per_user": 0}


def thread_channel(thread_id: int, guild_id: int, parent_id: int, name: str, *,
                   owner_id: int) -> JSON:
    return {"id": str(thread_id), "guild_id": str(guild_id), "parent_id": str(parent_id),
            "owner_id": str(owner_id), "name": name, "type": 11, "last_message_id": None,
            "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "flags": 0,
            "total_message_sent": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                "archive_timestamp": TIMESTAMP, "locked": False}}


def dm_channel(channel_id: int, recipient: JSON) -> JSON:
    return {"id": str(channel_id), "type": 1, "recipients": [recipient], "last_message_id": None}


def member(user_payload: JSON, role_ids: list[int]) -> JSON:
    return {"user": user_payload, "roles": [str(r) for r in role_ids], "joined_at": TIMESTAMP,
            "deaf": False, "mute": False, "flags": 0, "nick": None, "avatar": None,
            "premium_since": None, "pending": False}


def guild_create(guild_id: int, *, channels: list[JSON], threads: list[JSON] | None = None,
                 members: list[JSON], roles: list[JSON], name: str = "test guild") -> JSON:
    return {"id": str(guild_id), "name": name, "icon": None, "owner_id": "1",
            "unavailable": False, "member_count": len(members), "large": False,
            "channels": channels, "threads": threads or [], "members": members, "roles": roles,
            "emojis": [], "stickers": [], "features": [], "voice_states": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0,
            "preferred_locale": "en-US", "system_channel_flags": 0, "nsfw_level": 0,
            "joined_at": TIMESTAMP, "afk_timeout": 300}


def ready(bot: JSON, app_id: int, guild_ids: list[int]) -> JSON:
    guilds = [{"id": str(g), "unavailable": True} for g in guild_ids]
    return {"v": 10, "user": bot, "guilds": guilds,
            "session_id": "fake-session", "resume_gateway_url": "wss://127.0.0.1",
            "application": {"id": str(app_id), "flags": 0}, "private_channels": [],
            "relationships": [], "shard": [0, 1]}


def message_payload(message_id: int, channel_id: int, author: JSON, content: str, *,
                    guild_id: int | None = None, mentions: list[JSON] | None = None,
                    mention_everyone: bool = False, mention_roles: list[int] | None = None,
                    nonce: str | None = None, member_roles: list[int] | None = None) -> JSON:
    data: JSON = {"id": str(message_id), "channel_id": str(channel_id), "author": author,
                  "content": content, "timestamp": TIMESTAMP, "edited_timestamp": None,
                  "tts": False, "mention_everyone": mention_everyone,
                  "mentions": mentions or [],
                  "mention_roles": [str(r) for r in mention_roles or []],
                  "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0,
                  "components": []}
    if nonce is not None:
        data["nonce"] = nonce
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
        data["member"] = {"roles": [str(r) for r in member_roles or []], "joined_at": TIMESTAMP,
                          "deaf": False, "mute": False, "flags": 0}
    return data


def slash_interaction(interaction_id: int, *, app_id: int, token: str, name: str,
                      options: dict[str, str], invoker: JSON, channel: JSON,
                      guild_id: int | None) -> JSON:
    data: JSON = {
        "id": str(interaction_id), "application_id": str(app_id), "type": 2, "token": token,
        "version": 1, "locale": "en-US", "app_permissions": str(BOT_PERMISSIONS),
        "entitlements": [], "authorizing_integration_owners": {"0": str(guild_id or 0)},
        "attachment_size_limit": 8 * 1024 * 1024,
        "context": 0 if guild_id else 1, "channel_id": channel["id"], "channel": channel,
        "data": {"id": str(interaction_id + 1), "name": name, "type": 1,
                 "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()]},
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
        data["guild_locale"] = "en-US"
        data["member"] = {**member(invoker, []), "permissions": str(ALL_PERMISSIONS)}
    else:
        data["user"] = invoker
    return data
