"""The Socket Mode transport: no public URL, events arrive over a websocket.

``apps.connections.open`` is called once up front so a rejected ``SLACK_APP_TOKEN`` is a
clear start-up error instead of slack_sdk's endless reconnect loop.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_client import api_error
from bot.config import Secret
from retrieval.errors import ConfigError

log = logging.getLogger("citebot.slack")


class SocketModeRunner:
    def __init__(
        self,
        *,
        bolt: AsyncApp,
        app_token: Secret | None,
        client: AsyncWebClient,
        ping_interval: float = 10.0,
    ) -> None:
        if app_token is None or not app_token.reveal().strip():
            raise ConfigError("SLACK_APP_TOKEN is not set; Socket Mode needs it (or use --http)")
        if not app_token.reveal().startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token (it starts with xapp-)")
        self._bolt = bolt
        self._app_token = app_token
        self._client = client
        self._ping_interval = ping_interval
        self._handler: AsyncSocketModeHandler | None = None

    async def start(self) -> None:
        handler = AsyncSocketModeHandler(
            self._bolt,
            app_token=self._app_token.reveal(),
            web_client=self._client,
            logger=logging.getLogger("citebot.slack.socket"),
            ping_interval=self._ping_interval,
        )
        self._handler = handler
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            await handler.close_async()
            raise ConfigError(f"SLACK_APP_TOKEN was refused by Slack ({api_error(exc)})") from None
        await handler.connect_async()

    async def stop(self) -> None:
        """Close the websocket: Slack stops sending events to this process."""
        if self._handler is not None:
            await self._handler.close_async()
            self._handler = None
