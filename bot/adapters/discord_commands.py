"""Slash commands: ``/ask question:``, ``/summary topic:``, ``/sources``, ``/help``.

Each is deferred at once (Discord needs an answer within 3 s; answering may take longer
on a large corpus or a slow API), then answered: the first message by editing the deferred
response (a PATCH, safe to retry), the rest as follow-ups. Ephemeral or public by
``DISCORD_EPHEMERAL``.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot import render
from bot.adapters.discord_delivery import DeliveryPolicy, deliver, describe
from bot.adapters.discord_messages import APOLOGY, CoreLike, no_mentions
from bot.config import Settings
from bot.types import Incoming, Platform

log = logging.getLogger("citebot.discord")

ALREADY_ACKNOWLEDGED = 40060  # Discord's error code: the interaction was already answered


class CommandResponder:
    """Answers the slash commands; one instance per client."""

    def __init__(self, *, core: CoreLike, settings: Settings, policy: DeliveryPolicy) -> None:
        self._core = core
        self._ephemeral = settings.discord_ephemeral
        self._policy = policy

    async def run(self, interaction: discord.Interaction, command: str, text: str) -> None:
        try:
            await deliver(lambda: self._defer(interaction), what="defer", idempotent=True,
                          policy=self._policy)
        except Exception as exc:
            log.error("discord: could not defer /%s interaction %s (%s)", command,
                      interaction.id, describe(exc))
            return  # without an initial response nothing more can be sent
        sent = 0
        try:
            reply = await self._core.handle(self._incoming(interaction, command, text))
            parts = render.discord_messages(reply) or [APOLOGY]
            for part in parts:
                await self._send(interaction, part, first=sent == 0)
                sent += 1
        except Exception as exc:
            log.exception("discord: failed to answer /%s interaction %s after %d parts (%s)",
                          command, interaction.id, sent, describe(exc))
            try:
                await self._send(interaction, APOLOGY, first=sent == 0)
            except Exception as again:
                log.error("discord: could not apologise for interaction %s (%s)",
                          interaction.id, describe(again))

    async def _defer(self, interaction: discord.Interaction) -> None:
        if interaction.response.is_done():
            return
        try:
            await interaction.response.defer(ephemeral=self._ephemeral, thinking=True)
        except discord.HTTPException as exc:
            if exc.code != ALREADY_ACKNOWLEDGED:  # an earlier try went through after all
                raise

    async def _send(self, interaction: discord.Interaction, part: str, *, first: bool) -> None:
        if first:
            await deliver(
                lambda: interaction.edit_original_response(
                    content=part, allowed_mentions=no_mentions()
                ),
                what="edit deferred response", idempotent=True, policy=self._policy,
            )
            return
        await deliver(
            lambda: interaction.followup.send(
                part, ephemeral=self._ephemeral, allowed_mentions=no_mentions(), wait=True
            ),
            what="send follow-up", idempotent=False, policy=self._policy,
        )

    @staticmethod
    def _incoming(interaction: discord.Interaction, command: str, text: str) -> Incoming:
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            where, thread = str(channel.parent_id), str(channel.id)
        else:
            where, thread = str(interaction.channel_id or interaction.user.id), None
        return Incoming(
            text=text, user=str(interaction.user.id), platform=Platform.DISCORD,
            channel=where, thread=thread, command=command,
        )


def register_commands(tree: app_commands.CommandTree[discord.Client],
                      responder: CommandResponder) -> None:
    """Add the four commands to ``tree`` (syncing them is the client's job)."""

    @tree.command(name="ask", description="Ask a question about the documents")
    @app_commands.describe(question="Your question, e.g. Who posted the recording?")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await responder.run(interaction, "ask", question)

    @tree.command(name="summary", description="Summarise the documents, or one topic in them")
    @app_commands.describe(topic="Optional: the topic to summarise")
    async def summary(interaction: discord.Interaction, topic: str | None = None) -> None:
        await responder.run(interaction, "summary", topic or "")

    @tree.command(name="sources", description="List the documents I answer from")
    async def sources(interaction: discord.Interaction) -> None:
        await responder.run(interaction, "sources", "")

    @tree.command(name="help", description="How to ask me questions")
    async def help_(interaction: discord.Interaction) -> None:
        await responder.run(interaction, "help", "")
