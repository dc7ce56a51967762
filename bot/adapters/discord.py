"""citebot on Discord (discord.py 2.x): mentions, threads, channel questions, slash commands.

``build_client(settings, core)`` builds the client without connecting; ``citebot discord``
(``run_discord``) builds it and runs it until SIGTERM/SIGINT. Every message is sent with
``AllowedMentions.none()`` (also the client default), so no document or user text pings
anyone. Only when ``DISCORD_CHANNELS`` is set does the bot ask for the privileged
message-content intent: without it Discord still shows the bot the messages that mention
it, direct messages and slash commands, which is all the default mode needs.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import discord
from discord import app_commands

from bot.adapters.discord_commands import CommandResponder, register_commands
from bot.adapters.discord_delivery import DeliveryPolicy, describe
from bot.adapters.discord_messages import CoreLike, MessageResponder, no_mentions
from bot.config import Settings
from retrieval.errors import CitebotError, ConfigError

log = logging.getLogger("citebot.discord")


def intents_for(settings: Settings) -> discord.Intents:
    """Guild and DM messages; message content only for ``DISCORD_CHANNELS``; no typing."""
    intents = discord.Intents.default()
    intents.typing = False
    intents.presences = False
    intents.members = False
    intents.message_content = bool(settings.discord_channels)
    return intents


class CitebotClient(discord.Client):
    """A :class:`discord.Client` with its command tree at ``client.tree``."""

    def __init__(
        self, *, settings: Settings, core: CoreLike, policy: DeliveryPolicy | None = None
    ) -> None:
        super().__init__(
            intents=intents_for(settings),
            allowed_mentions=no_mentions(),
            max_messages=None,  # no message cache: the bot never looks back
            chunk_guilds_at_startup=False,
            max_ratelimit_timeout=30.0,  # longer 429 waits surface as RateLimited
        )
        self.settings = settings
        self.core = core
        self.policy = policy or DeliveryPolicy()
        self.tree: app_commands.CommandTree[CitebotClient] = app_commands.CommandTree(self)
        self.messages = MessageResponder(
            client=self, core=core, settings=settings, policy=self.policy
        )
        register_commands(
            self.tree,  # type: ignore[arg-type]
            CommandResponder(core=core, settings=settings, policy=self.policy),
        )

    async def setup_hook(self) -> None:
        """Register the slash commands: per guild when ``DISCORD_GUILD_IDS`` is set (instant),
        else globally (Discord may take up to an hour to show new global commands)."""
        guild_ids = self.settings.discord_guild_ids
        targets: list[discord.Object | None] = (
            [discord.Object(id=g) for g in guild_ids] if guild_ids else [None]
        )
        for guild in targets:
            where = f"guild {guild.id}" if guild is not None else "globally"
            try:
                if guild is not None:
                    self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
            except discord.HTTPException as exc:
                log.error(
                    "discord: could not register slash commands %s (%s); was the bot invited "
                    "with the applications.commands scope? Mentions still work.",
                    where, describe(exc),
                )
            else:
                log.info("discord: %d slash commands registered %s", len(synced), where)

    async def on_ready(self) -> None:
        user = self.user
        log.info("discord: connected as %s (id %s) to %d servers",
                 user, user.id if user else "?", len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        await self.messages.on_message(message)


def build_client(
    settings: Settings | None = None,
    core: CoreLike | None = None,
    *,
    policy: DeliveryPolicy | None = None,
) -> CitebotClient:
    """The Discord client, not connected. Settings default to the environment (and
    ``.env``); the core to one over the configured (default: bundled) documents."""
    if settings is None:
        settings = Settings.from_env()
    if core is None:
        from bot.core import build_core

        core = build_core(settings)
    return CitebotClient(settings=settings, core=core, policy=policy)


@contextmanager
def _close_on_signals(client: discord.Client) -> Iterator[None]:
    """SIGTERM/SIGINT close the client (gateway and HTTP session) instead of killing it."""
    loop = asyncio.get_running_loop()
    closing: set[asyncio.Task[None]] = set()

    def stop(name: str) -> None:
        log.warning("discord: %s received, closing", name)
        task = loop.create_task(client.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread, or a platform without signal handlers
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def serve(client: discord.Client, *, token: str) -> None:
    """Log in, connect and serve until the client is closed (SIGTERM/SIGINT close it)."""
    with _close_on_signals(client):
        try:
            async with client:
                await client.start(token)
        except discord.LoginFailure:
            raise ConfigError(
                "DISCORD_TOKEN was rejected by Discord (401 Unauthorized); copy the bot token "
                "again from the Developer Portal (Bot > Reset Token)"
            ) from None
        except discord.PrivilegedIntentsRequired:
            raise ConfigError(
                "DISCORD_CHANNELS needs the Message Content intent: enable it under Bot > "
                "Privileged Gateway Intents in the Developer Portal, or unset DISCORD_CHANNELS"
            ) from None
        except (OSError, aiohttp.ClientError, discord.GatewayNotFound) as exc:
            raise CitebotError(f"cannot reach Discord ({describe(exc)}): {exc}") from None
        except AttributeError as exc:
            # discord.py 2.7 trips over its own missing websocket when the very first
            # gateway connection fails; report the network error underneath instead.
            cause = exc.__context__
            if not isinstance(cause, OSError | aiohttp.ClientError | discord.ConnectionClosed):
                raise
            raise CitebotError(f"cannot reach Discord's gateway ({describe(cause)})") from None


def run_discord(args: argparse.Namespace) -> int:
    """``citebot discord``: read settings, load the documents, serve until stopped."""
    settings = Settings.from_env()
    docs = getattr(args, "docs", None)
    if docs:
        settings = dataclasses.replace(settings, docs_paths=tuple(Path(p) for p in docs))
    settings.require("DISCORD_TOKEN")
    token = settings.discord_token
    if token is None:  # require() has checked; this narrows the type
        raise ConfigError("DISCORD_TOKEN is not set; add it to the environment or .env")
    from bot.core import build_core

    core = build_core(settings)
    client = build_client(settings, core)
    try:
        asyncio.run(serve(client, token=token.reveal()))
    finally:
        core.close()
    return 0
