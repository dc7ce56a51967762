"""Slack request bodies as Slack sends them, and correctly signed HTTP requests.

Signatures are made with ``slack_sdk.signature.SignatureVerifier.generate_signature``, the
same code Slack's own SDK uses, so a test exercises the real verification path.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM = "T0001"
APP = "A0001"
BOT_USER = "UBOT"


class Events:
    """Builds unique event ids and timestamps, like Slack does."""

    def __init__(self, *, team_id: str = TEAM, bot_user_id: str = BOT_USER) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self._ids = itertools.count(1)
        self._base = int(time.time())

    def next_ts(self) -> str:
        return f"{self._base}.{next(self._ids):06d}"

    def callback(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "unused-verification-token",
            "team_id": self.team_id,
            "api_app_id": APP,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"enterprise_id": None, "team_id": self.team_id, "user_id": self.bot_user_id,
                 "is_bot": True, "is_enterprise_install": False}
            ],
        }

    def mention(
        self, question: str, *, channel: str = "C0001", user: str = "U0001",
        ts: str | None = None, thread_ts: str | None = None,
    ) -> dict[str, Any]:
        ts = ts or self.next_ts()
        event: dict[str, Any] = {
            "type": "app_mention", "user": user, "text": f"<@{self.bot_user_id}> {question}",
            "ts": ts, "channel": channel, "event_ts": ts, "team": self.team_id,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    def message(
        self, text: str, *, channel: str = "C0001", user: str | None = "U0001",
        ts: str | None = None, thread_ts: str | None = None, channel_type: str = "channel",
        bot_id: str | None = None, subtype: str | None = None,
    ) -> dict[str, Any]:
        ts = ts or self.next_ts()
        event: dict[str, Any] = {
            "type": "message", "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, "channel_type": channel_type, "team": self.team_id,
        }
        if user is not None:
            event["user"] = user
        if thread_ts:
            event["thread_ts"] = thread_ts
        if bot_id:
            event["bot_id"] = bot_id
        if subtype:
            event["subtype"] = subtype
        return event


def command_payload(
    command: str, text: str, *, response_url: str, channel: str = "C0001",
    user: str = "U0001", team_id: str = TEAM,
) -> dict[str, str]:
    return {
        "token": "unused-verification-token", "team_id": team_id, "team_domain": "fake",
        "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": "someone",
        "command": command, "text": text, "api_app_id": APP, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": f"{time.time():.6f}.trigger",
    }


def action_payload(
    action_id: str, value: str, *, response_url: str, channel: str = "C0001",
    user: str = "U0001", team_id: str = TEAM,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": user, "username": "someone", "team_id": team_id},
        "api_app_id": APP,
        "token": "unused-verification-token",
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": channel,
                      "is_ephemeral": True},
        "trigger_id": f"{time.time():.6f}.trigger",
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "share", "value": value,
                     "type": "button", "action_ts": f"{time.time():.6f}"}],
    }


def signed(
    secret: str, body: str, *, timestamp: int | None = None, content_type: str,
    retry_num: int | None = None,
) -> dict[str, str]:
    """Headers Slack would send with ``body``, signed with ``secret``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature or "",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def event_request(
    secret: str, callback: dict[str, Any], **kwargs: Any
) -> tuple[str, dict[str, str]]:
    body = json.dumps(callback)
    return body, signed(secret, body, content_type="application/json", **kwargs)


def form_request(
    secret: str, fields: dict[str, str], **kwargs: Any
) -> tuple[str, dict[str, str]]:
    body = urlencode(fields)
    return body, signed(secret, body, content_type="application/x-www-form-urlencoded", **kwargs)


def action_request(
    secret: str, payload: dict[str, Any], **kwargs: Any
) -> tuple[str, dict[str, str]]:
    return form_request(secret, {"payload": json.dumps(payload)}, **kwargs)
