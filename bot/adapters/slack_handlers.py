"""Bolt listeners: Slack events and commands -> :class:`Incoming` -> core -> Slack.

Every listener is quick and does no network I/O: it filters, deduplicates, hands the
answer to a background task and returns, so Bolt acknowledges at once (the app runs with
``process_before_response=True``, which makes the acknowledgement wait for exactly this
much work, and nothing more, on both transports).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.adapters.slack_channels import ChannelFilter
from bot.adapters.slack_client import api_error
from bot.adapters.slack_dedupe import Deduplicator
from bot.adapters.slack_parse import mentions, to_plain
from bot.adapters.slack_tasks import InFlight
from bot.config import Settings
from bot.core import Core
from bot.types import Incoming, Platform, Reply, ReplyKind

log = logging.getLogger("citebot.slack")

SHARE_ACTION = "citebot_share"
_BUTTON_VALUE_LIMIT = 2000
_ANSWERED_SUBTYPES = (None, "thread_broadcast", "file_share")
_SHAREABLE = (ReplyKind.ANSWER, ReplyKind.SUMMARY, ReplyKind.DECLINE, ReplyKind.SOURCES)


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is in the workspace, from ``auth.test``."""

    user_id: str
    bot_id: str
    team_id: str | None
    enterprise_id: str | None = None


# Sends one ``response_url`` message; raises on failure after its own retries.
ResponseSender = Callable[[str, dict[str, Any]], Any]


class SlackHandlers:
    def __init__(
        self,
        *,
        core: Core,
        settings: Settings,
        client: AsyncWebClient,
        identity: BotIdentity,
        respond: ResponseSender,
        inflight: InFlight,
        dedupe: Deduplicator,
        channels: ChannelFilter,
        answer_concurrency: int = 1,
    ) -> None:
        self.core = core
        self.settings = settings
        self.client = client
        self.identity = identity
        self.respond = respond
        self.inflight = inflight
        self.dedupe = dedupe
        self.channels = channels
        # The core's CPU work one question at a time: a backlog of answers then never
        # stands in front of the next request's acknowledgement (more at once only adds
        # GIL contention; benchmarks/load.py measured p99 ack 14-43 ms at 400 q/s with 1,
        # 290-810 ms with 4). Posting to Slack (network waits) is not limited here.
        self._thinking = asyncio.Semaphore(answer_concurrency)
        self.delivered = 0
        self.failed = 0

    def register(self, app: AsyncApp) -> None:
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.command("/ask")(self.on_command)
        app.command("/summary")(self.on_command)
        app.action(SHARE_ACTION)(self.on_share)

    # -- listeners (no network I/O here) ------------------------------------------------

    async def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        channel, ts = event.get("channel"), event.get("ts")
        if not channel or not ts or self._from_bot(event):
            return
        if not self.dedupe.claim([("event", body.get("event_id")), ("message", channel, ts)]):
            return
        thread = str(event.get("thread_ts") or ts)
        incoming = Incoming(
            text=to_plain(str(event.get("text", "")), bot_user_id=self.identity.user_id),
            user=str(event.get("user", "")),
            platform=Platform.SLACK,
            channel=channel,
            thread=thread,
        )
        self._spawn(self._answer_in_channel(incoming, thread_ts=thread, received=time.monotonic()))

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        channel, ts = event.get("channel"), event.get("ts")
        if event.get("subtype") not in _ANSWERED_SUBTYPES or self._from_bot(event):
            return
        if not channel or not ts:
            return
        direct = event.get("channel_type") == "im"
        text = str(event.get("text", ""))
        if not direct and (self.channels.empty or mentions(text, self.identity.user_id)):
            return  # not a listened channel, or the app_mention event answers it
        if not self.dedupe.claim([("event", body.get("event_id")), ("message", channel, ts)]):
            return
        thread = event.get("thread_ts") or (None if direct else ts)
        incoming = Incoming(
            text=to_plain(text, bot_user_id=self.identity.user_id),
            user=str(event.get("user", "")),
            platform=Platform.SLACK,
            channel=channel,
            thread=str(thread) if thread else None,
            addressed=direct,
        )
        work = self._answer_in_channel(
            incoming,
            thread_ts=incoming.thread,
            received=time.monotonic(),
            check_channel=not direct,
        )
        self._spawn(work)

    async def on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        if not self.dedupe.claim([("trigger", command.get("trigger_id"))]):
            return
        name = "summary" if str(command.get("command", "")).endswith("summary") else "ask"
        incoming = Incoming(
            text=str(command.get("text", "")),
            user=str(command.get("user_id", "")),
            platform=Platform.SLACK,
            channel=str(command.get("channel_id", "")),
            command=name,
        )
        response_url = str(command.get("response_url", ""))
        self._spawn(self._answer_command(incoming, response_url=response_url))

    async def on_share(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        actions = body.get("actions") or [{}]
        try:
            shared = json.loads(str(actions[0].get("value", "")))
            name, question = str(shared["c"]), str(shared["q"])
        except (ValueError, KeyError, TypeError):
            log.warning("slack: a share button with an unreadable value")
            return
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id", ""
        )
        incoming = Incoming(
            text=question,
            user=str((body.get("user") or {}).get("id", "")),
            platform=Platform.SLACK,
            channel=str(channel),
            command=name if name in ("ask", "summary") else "ask",
        )
        response_url = str(body.get("response_url", ""))
        self._spawn(self._share(incoming, response_url=response_url))

    # -- background work -----------------------------------------------------------------

    def _spawn(self, work: Any) -> None:
        self.inflight.spawn(work, name="slack answer")

    async def _think(self, incoming: Incoming) -> Reply:
        async with self._thinking:
            return await self.core.handle(incoming)

    def _from_bot(self, event: dict[str, Any]) -> bool:
        return bool(
            event.get("bot_id")
            or event.get("bot_profile")
            or event.get("subtype") == "bot_message"
            or (self.identity.user_id and event.get("user") == self.identity.user_id)
        )

    async def _answer_in_channel(
        self,
        incoming: Incoming,
        *,
        thread_ts: str | None,
        received: float,
        check_channel: bool = False,
    ) -> None:
        if check_channel and not await self.channels.listed(incoming.channel):
            return
        reply = await self._think(incoming)
        if reply.silent:
            return
        try:
            await self.client.chat_postMessage(
                channel=incoming.channel,
                thread_ts=thread_ts,
                text=render.slack_text(reply),
                blocks=render.slack_blocks(reply),
                unfurl_links=False,
                unfurl_media=False,
            )
        except Exception as exc:
            self._failed("chat.postMessage", exc)
            return
        self.delivered += 1
        millis = (time.monotonic() - received) * 1000
        log.debug("slack: answered in %.1f ms (%s)", millis, reply.kind.value)

    async def _answer_command(self, incoming: Incoming, *, response_url: str) -> None:
        reply = await self._think(incoming)
        if reply.silent:
            return
        ephemeral = self.settings.slack_ephemeral
        blocks = render.slack_blocks(reply)
        if ephemeral and reply.kind in _SHAREABLE:
            blocks = blocks + _share_button(incoming)
        message = {
            "response_type": "ephemeral" if ephemeral else "in_channel",
            "text": render.slack_text(reply),
            "blocks": blocks,
        }
        await self._send(response_url, message)

    async def _share(self, incoming: Incoming, *, response_url: str) -> None:
        reply = await self._think(incoming)
        if reply.silent:
            return
        if reply.kind not in _SHAREABLE:  # rate limited, invalid, error: tell the user only
            await self._send(
                response_url,
                {"response_type": "ephemeral", "replace_original": False,
                 "text": render.slack_text(reply), "blocks": render.slack_blocks(reply)},
            )
            return
        origin = f"Shared from /{incoming.command} {incoming.text[:200]}"
        header = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": render.escape_slack(origin)}],
        }
        shared = {
            "response_type": "in_channel",
            "replace_original": False,
            "text": render.slack_text(reply),
            "blocks": [header, *render.slack_blocks(reply)],
        }
        if await self._send(response_url, shared):
            await self._send(response_url, {"delete_original": True})

    async def _send(self, response_url: str, message: dict[str, Any]) -> bool:
        if not response_url:
            log.error("slack: no response_url to answer a command")
            return False
        try:
            await self.respond(response_url, message)
        except Exception as exc:
            self._failed("response_url", exc)
            return False
        self.delivered += 1
        return True

    def _failed(self, what: str, exc: BaseException) -> None:
        self.failed += 1
        if isinstance(exc, SlackApiError):
            reason = api_error(exc)
        else:
            reason = f"{type(exc).__name__} {exc}".strip()
        log.error("slack: %s failed, answer not delivered: %s", what, reason)


def _share_button(incoming: Incoming) -> list[dict[str, Any]]:
    value = json.dumps({"c": incoming.command, "q": incoming.text}, ensure_ascii=False)
    if len(value) > _BUTTON_VALUE_LIMIT:
        return []
    return [{
        "type": "actions",
        "block_id": "share",
        "elements": [{
            "type": "button",
            "action_id": SHARE_ACTION,
            "text": {"type": "plain_text", "text": "Share in channel"},
            "value": value,
        }],
    }]

