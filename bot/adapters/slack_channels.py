"""Which channels the bot listens to without being mentioned (``SLACK_CHANNELS``).

Entries are channel ids (``C0123ABCD``) or names (``general``, ``#general``). Ids match
directly; a name needs the channel's name, looked up once per channel with
``conversations.info`` and remembered (bounded).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_client import api_error

log = logging.getLogger("citebot.slack")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")  # names are lowercase, ids upper case


class ChannelFilter:
    def __init__(
        self, *, configured: tuple[str, ...], client: AsyncWebClient, max_cached: int = 10_000
    ) -> None:
        self._ids = frozenset(c for c in configured if _CHANNEL_ID.match(c))
        self._names = frozenset(c.lower() for c in configured if not _CHANNEL_ID.match(c))
        self._client = client
        self._max_cached = max_cached
        self._cache: OrderedDict[str, bool] = OrderedDict()

    @property
    def empty(self) -> bool:
        return not self._ids and not self._names

    def known(self, channel: str) -> bool | None:
        """True/False when the answer needs no lookup, None when it does."""
        if channel in self._ids:
            return True
        if not self._names:
            return False
        return self._cache.get(channel)

    async def listed(self, channel: str) -> bool:
        answer = self.known(channel)
        if answer is not None:
            return answer
        try:
            info = await self._client.conversations_info(channel=channel)
            name = str((info.get("channel") or {}).get("name", "")).lower()
        except SlackApiError as exc:
            error = api_error(exc)
            log.warning("slack: conversations.info %s failed: %s", channel, error)
            if error != "ratelimited":
                self._remember(channel, False)  # missing scope, unknown channel: ask once
            return False
        except Exception as exc:  # network trouble: do not listen, do not remember
            log.warning("slack: conversations.info %s failed: %s", channel, type(exc).__name__)
            return False
        listed = name in self._names
        self._remember(channel, listed)
        return listed

    def _remember(self, channel: str, listed: bool) -> None:
        self._cache[channel] = listed
        while len(self._cache) > self._max_cached:
            self._cache.popitem(last=False)
