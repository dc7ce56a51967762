"""Mentions, channel questions and direct messages on Discord -> the core -> the right place.

A mention in a text channel is answered in a thread started on that message (a reply to
the message where the bot may not create threads); a mention inside a thread is answered
there, with the thread's memory; a direct message is answered in the DM. In channels named
in ``DISCORD_CHANNELS`` a message that reads as a question is passed to the core as
overheard (``addressed=False``), which stays silent unless the documents answer it.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from typing import Protocol

import discord

from bot import render
from bot.adapters.discord_delivery import DeliveryPolicy, deliver, describe
from bot.config import Settings
from bot.types import Incoming, Platform, Reply, ReplyKind

log = logging.getLogger("citebot.discord")

APOLOGY = "Sorry, something went wrong while answering that. Please try again in a moment."
THREAD_ALREADY_EXISTS = 160004  # Discord's error code: a thread was already started here
_THREADED_KINDS = frozenset(
    {ReplyKind.ANSWER, ReplyKind.DECLINE, ReplyKind.SUMMARY, ReplyKind.SOURCES, ReplyKind.HELP}
)
_ANSWERED_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})
_MARKUP = re.compile(r"<(@[!&]?|#)\d+>")
_EVERYONE = re.compile(r"@(?=(?:everyone|here)\b)", re.IGNORECASE)


class CoreLike(Protocol):
    """What the responders need of :class:`bot.core.Core`."""

    async def handle(self, incoming: Incoming) -> Reply: ...


def no_mentions() -> discord.AllowedMentions:
    """Nobody is pinged: not @everyone, users, roles, nor the author replied to."""
    return discord.AllowedMentions.none()


class SeenMessages:
    """Message ids already handled (a gateway replay must not be answered twice)."""

    def __init__(self, *, size: int = 4096) -> None:
        self._size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def first_time(self, message_id: int) -> bool:
        if message_id in self._ids:
            return False
        self._ids[message_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


def strip_own_mentions(text: str, *, user_id: int, role_id: int | None) -> str:
    """The question without the bot's own ``<@id>``/``<@!id>`` (and its role) mentions."""
    pattern = rf"<@!?{user_id}>"
    if role_id is not None:
        pattern += rf"|<@&{role_id}>"
    return re.sub(pattern, " ", text).strip()


def thread_name(question: str, *, limit: int = 90) -> str:
    """A one-line thread title from the question: no markup, at most ``limit`` characters."""
    text = _MARKUP.sub(lambda m: "#channel" if m.group(1) == "#" else "@someone", question)
    text = _EVERYONE.sub("@\u200b", text.replace("<", "").replace(">", ""))
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"
    return text or "citebot"


def nonce_for(message_id: int, part: int) -> str:
    """A fixed nonce per answer part: a retried send is de-duplicated by Discord (<= 25 chars)."""
    return f"cb{message_id:x}{part:02x}"


class MessageResponder:
    """Answers ``on_message`` events; one instance per client."""

    def __init__(
        self,
        *,
        client: discord.Client,
        core: CoreLike,
        settings: Settings,
        policy: DeliveryPolicy,
    ) -> None:
        self._client = client
        self._core = core
        self._settings = settings
        self._policy = policy
        self._listen = frozenset(c.lower() for c in settings.discord_channels)
        self._seen = SeenMessages()

    async def on_message(self, message: discord.Message) -> None:
        me = self._client.user
        if me is None or message.author.bot or message.author.id == me.id:
            return  # bots, this one included, are never answered
        if message.type not in _ANSWERED_TYPES or message.webhook_id is not None:
            return
        dm = message.guild is None
        role = message.guild.self_role if message.guild is not None else None
        mentioned = any(u.id == me.id for u in message.mentions) or (
            role is not None and role in message.role_mentions
        )
        if not (dm or mentioned or self._listens_in(message.channel)):
            return
        if not self._seen.first_time(message.id):
            return
        text = strip_own_mentions(
            message.content, user_id=me.id, role_id=role.id if role is not None else None
        )
        incoming = self._incoming(message, text, addressed=dm or mentioned)
        sent = 0
        try:
            reply = await self._core.handle(incoming)
            if reply.silent:
                return
            parts = render.discord_messages(reply) or [APOLOGY]
            target = await self._target(message, reply, text)
            for number, part in enumerate(parts):
                await self._send(target, message, part, number)
                sent += 1
        except Exception as exc:
            log.exception(
                "discord: failed to answer message %s in channel %s after %d of its parts (%s)",
                message.id, message.channel.id, sent, describe(exc),
            )
            await self._apologise(message)

    def _listens_in(self, channel: object) -> bool:
        if not self._listen:
            return False
        names = {str(getattr(channel, "id", "")), str(getattr(channel, "name", "")).lower()}
        parent = getattr(channel, "parent", None)
        if isinstance(channel, discord.Thread) and parent is not None:
            names |= {str(parent.id), parent.name.lower()}
        return bool(names & self._listen)

    @staticmethod
    def _incoming(message: discord.Message, text: str, *, addressed: bool) -> Incoming:
        channel = message.channel
        if isinstance(channel, discord.Thread):
            where, thread = str(channel.parent_id), str(channel.id)
        elif message.guild is None:
            where, thread = str(channel.id), None
        else:
            where, thread = str(channel.id), str(message.id)  # the thread we start is this id
        return Incoming(
            text=text, user=str(message.author.id), platform=Platform.DISCORD,
            channel=where, thread=thread, addressed=addressed,
        )

    async def _target(
        self, message: discord.Message, reply: Reply, question: str
    ) -> discord.abc.Messageable | None:
        """Where the answer goes: a new thread, or None for a reply to the message."""
        channel = message.channel
        if not isinstance(channel, discord.TextChannel):
            return channel  # a thread, a DM, a voice channel's chat: answer in place
        if reply.kind not in _THREADED_KINDS:
            return None  # "slow down", "too long": a reply, not a thread
        me = channel.guild.me
        if me is not None:
            perms = channel.permissions_for(me)
            if not (perms.create_public_threads and perms.send_messages_in_threads):
                return None

        async def start() -> discord.abc.Messageable:
            try:
                return await message.create_thread(name=thread_name(question))
            except discord.HTTPException as exc:
                if exc.code != THREAD_ALREADY_EXISTS:
                    raise
                return self._client.get_partial_messageable(
                    message.id, guild_id=channel.guild.id, type=discord.ChannelType.public_thread
                )

        try:
            return await deliver(start, what="create thread", idempotent=True,
                                 policy=self._policy)
        except discord.HTTPException as exc:
            if exc.status >= 500 or exc.status == 429:
                raise
            log.info("discord: cannot start a thread in %s (%s); replying instead",
                     channel.id, describe(exc))
            return None

    async def _send(
        self,
        target: discord.abc.Messageable | None,
        message: discord.Message,
        part: str,
        number: int,
    ) -> None:
        nonce = nonce_for(message.id, number)
        # No target: a reply to the message (the first part points at it).
        reference = None
        if target is None and number == 0:
            reference = message.to_reference(fail_if_not_exists=False)
        destination = target if target is not None else message.channel

        async def call() -> discord.Message:
            if reference is None:
                return await destination.send(part, allowed_mentions=no_mentions(), nonce=nonce)
            return await destination.send(
                part, allowed_mentions=no_mentions(), reference=reference, nonce=nonce
            )

        await deliver(call, what=f"send part {number + 1}", idempotent=True, policy=self._policy)

    async def _apologise(self, message: discord.Message) -> None:
        try:
            await deliver(
                lambda: message.channel.send(
                    APOLOGY, allowed_mentions=no_mentions(), nonce=nonce_for(message.id, 0xFF),
                    reference=message.to_reference(fail_if_not_exists=False),
                ),
                what="send apology", idempotent=True, policy=self._policy,
            )
        except Exception as exc:
            log.error("discord: could not send an apology to channel %s (%s)",
                      message.channel.id, describe(exc))

