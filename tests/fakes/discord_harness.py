"""Drive the real citebot Discord client without a gateway.

The client logs in against :class:`FakeDiscord` on loopback (``discord.http.Route.BASE``
points there), then gateway payloads are fed to the client's own ``ConnectionState``
parsers, exactly as its websocket would: ``READY``, ``GUILD_CREATE``, ``MESSAGE_CREATE``,
``INTERACTION_CREATE``. ``settle()`` waits for the event handlers discord.py started, so
tests never sleep to synchronise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord import CitebotClient, build_client
from bot.adapters.discord_delivery import DeliveryPolicy
from bot.config import Settings
from bot.core import Core
from fakes.discord_http import (
    BOT_PERMISSIONS,
    FakeDiscord,
    dm_channel,
    guild_create,
    member,
    message_payload,
    ready,
    role,
    slash_interaction,
    text_channel,
    thread_channel,
    user,
)
from retrieval.engine import Engine

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAx.GfAke0.s3cr3t-d1sc0rd-t0k3n-n0t-f0r-l0gs"
GUILD = 900_000_000_000_000_001
BOT_ROLE = 900_000_000_000_000_002
CHANNEL = 910_000_000_000_000_001  # #general: threads allowed
NO_THREADS = 910_000_000_000_000_002  # #no-threads: the bot's role may not create threads
FORBIDDEN = 910_000_000_000_000_003  # #locked: permissions look fine, the API says 403
QUESTIONS = 910_000_000_000_000_004  # #questions: listed in DISCORD_CHANNELS
THREAD = 920_000_000_000_000_001  # an existing thread in #general
DM = 930_000_000_000_000_001
ALICE = user(800_000_000_000_000_001, "alice")
BOB = user(800_000_000_000_000_002, "bob")
OTHER_BOT = user(800_000_000_000_000_003, "otherbot", bot=True)
CREATE_PUBLIC_THREADS = 1 << 35
VIEW_AND_HISTORY = (1 << 10) | (1 << 16)
FAST = DeliveryPolicy(attempts=3, request_timeout=5.0, backoff=0.01, max_backoff=0.05)


def write_long_document(path: Path) -> Path:
    """Twelve paragraphs of long sentences: a twelve-sentence summary needs several messages."""
    words = ("reactor", "cooling", "pump", "valve", "turbine", "pressure", "engineer",
             "inspection", "report", "shift", "alarm", "coolant", "steam", "generator")
    paragraphs = [
        " ".join("The " + " ".join(words[(p * 7 + s * 3 + w * w) % len(words)] for w in range(90))
                 + "." for s in range(3))
        for p in range(12)
    ]
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def settings(**overrides: Any) -> Settings:
    base = dataclasses.replace(
        Settings.from_env({}), rate_limit_per_minute=6000.0, rate_limit_burst=1000
    )
    return dataclasses.replace(base, **overrides)


class DiscordHarness:
    """A logged-in :class:`CitebotClient`, its fake API, and gateway events to feed it."""

    def __init__(self, fake: FakeDiscord, client: CitebotClient) -> None:
        self.fake = fake
        self.client = client
        self._ids = itertools.count(950_000_000_000_000_001)

    @classmethod
    async def start(
        cls,
        monkeypatch: pytest.MonkeyPatch,
        *,
        engine: Engine | None = None,
        core: Any = None,
        policy: DeliveryPolicy = FAST,
        **overrides: Any,
    ) -> DiscordHarness:
        chosen = settings(**overrides)
        if core is None:
            if engine is None:
                raise ValueError("give an engine or a core")
            core = Core(engine=engine, settings=chosen)
        fake = FakeDiscord(token=TOKEN)
        await fake.start()
        monkeypatch.setattr(discord.http.Route, "BASE", fake.base_url)
        client = build_client(chosen, core, policy=policy)
        harness = cls(fake, client)
        try:
            await client.login(TOKEN)
            harness._connect()
        except BaseException:
            await harness.close()
            raise
        return harness

    def _connect(self) -> None:
        state = self.client._connection
        state.guild_ready_timeout = 0.0
        bot = self.fake.bot_user()
        self.feed("READY", ready(bot, self.fake.app_id, [GUILD]))
        deny_threads = [{"id": str(BOT_ROLE), "type": 0, "allow": "0",
                         "deny": str(CREATE_PUBLIC_THREADS)}]
        channels = [
            text_channel(CHANNEL, GUILD, "general"),
            text_channel(NO_THREADS, GUILD, "no-threads", overwrites=deny_threads),
            text_channel(FORBIDDEN, GUILD, "locked"),
            text_channel(QUESTIONS, GUILD, "questions"),
        ]
        for channel in (CHANNEL, NO_THREADS, FORBIDDEN, QUESTIONS):
            self.fake.remember_channel(channel, GUILD)
        self.fake.no_thread_channels.add(FORBIDDEN)
        bot_role = role(BOT_ROLE, "citebot", BOT_PERMISSIONS, position=1)
        bot_role["managed"] = True
        bot_role["tags"] = {"bot_id": str(self.fake.bot_id)}
        self.feed("GUILD_CREATE", guild_create(
            GUILD,
            channels=channels,
            threads=[thread_channel(THREAD, GUILD, CHANNEL, "earlier thread", owner_id=1)],
            members=[member(bot, [BOT_ROLE])],
            roles=[role(GUILD, "@everyone", VIEW_AND_HISTORY), bot_role],
        ))

    def feed(self, event: str, data: dict[str, Any]) -> None:
        """Hand one gateway dispatch to the client's parser, as its websocket does."""
        self.client._connection.parsers[event](data)

    async def settle(self, timeout: float = 20.0) -> None:
        """Wait until every event handler discord.py has started has finished."""
        me = asyncio.current_task()
        while True:
            pending = [
                t for t in asyncio.all_tasks()
                if t is not me and not t.done()
                and t.get_name().startswith(("discord.py: ", "CommandTree-invoker"))
            ]
            if not pending:
                return
            await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), timeout)

    @property
    def bot_mention(self) -> str:
        return f"<@{self.fake.bot_id}>"

    def say(
        self,
        content: str,
        *,
        channel: int = CHANNEL,
        author: dict[str, Any] = ALICE,
        mention: bool = True,
        message_id: int | None = None,
        **extra: Any,
    ) -> int:
        """A ``MESSAGE_CREATE`` in a guild channel or thread; returns the message id."""
        message_id = message_id if message_id is not None else next(self._ids)
        mentions = extra.pop("mentions", [self.fake.bot_user()] if mention else [])
        if mention and self.bot_mention not in content:
            content = f"{self.bot_mention} {content}"
        self.feed("MESSAGE_CREATE", message_payload(
            message_id, channel, author, content, guild_id=GUILD, mentions=mentions, **extra
        ))
        return message_id

    def say_in_dm(self, content: str, *, author: dict[str, Any] = ALICE) -> int:
        message_id = next(self._ids)
        state = self.client._connection
        if state._get_private_channel(DM) is None:
            state.add_dm_channel(dm_channel(DM, author))  # type: ignore[arg-type]
        self.feed("MESSAGE_CREATE", message_payload(message_id, DM, author, content))
        return message_id

    def slash(
        self,
        name: str,
        *,
        channel: int = CHANNEL,
        invoker: dict[str, Any] = ALICE,
        **options: str,
    ) -> str:
        """An ``INTERACTION_CREATE`` for a slash command; returns its token."""
        interaction_id = next(self._ids)
        token = f"interaction-token-{interaction_id}"
        self.fake.remember_interaction(token, channel)
        channel_data = (
            text_channel(channel, GUILD, "general") if channel != THREAD
            else thread_channel(THREAD, GUILD, CHANNEL, "earlier thread", owner_id=1)
        )
        self.feed("INTERACTION_CREATE", slash_interaction(
            interaction_id, app_id=self.fake.app_id, token=token, name=name, options=options,
            invoker=invoker, channel=channel_data, guild_id=GUILD,
        ))
        return token

    def interaction_requests(self, token: str) -> list[Any]:
        return [r for r in self.fake.requests if token in r.path]

    async def close(self) -> None:
        await self.client.close()
        await self.fake.close()
