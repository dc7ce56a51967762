"""Slack Web API and ``response_url`` clients with bounded retries (slack_sdk's handlers).

One aiohttp session is shared by every call (Bolt makes a client per request; without a
shared session each call would open a new connection pool). Retries: 429 honouring
``Retry-After`` (capped), HTTP 500/503, and connections refused or dropped. A timeout is
not retried: Slack may already have posted the message, and a retry could post it twice.
Every retry is logged at WARNING with the method and the reason, never with a token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger("citebot.slack")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the bot tries to reach Slack before it logs a failure and moves on."""

    rate_limit_retries: int = 3
    server_error_retries: int = 2
    connection_retries: int = 3
    backoff_factor: float = 0.5  # seconds: 0.5, 1, 2, ... between server/connection retries
    max_retry_after: float = 60.0  # longer Retry-After values are capped
    timeout_seconds: float = 15.0
    jitter: bool = True  # random 0-1 s added to each backoff (spreads retries out)


class _Logged(AsyncRetryHandler):
    """Mixin: log each retry before the wrapped handler waits."""

    reason = "error"

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        log.warning(
            "slack api %s: %s, retry %d of %d",
            _method(request.url), what, state.current_attempt + 1, self.max_retry_count,
        )
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


class RateLimitRetry(_Logged, AsyncRateLimitErrorRetryHandler):
    def __init__(self, *, max_retry_count: int, max_retry_after: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_retry_after = max_retry_after

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is not None:
            response = _capped_retry_after(response, self.max_retry_after)
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


class ServerErrorRetry(_Logged, AsyncServerErrorRetryHandler):
    pass


class ConnectionRetry(_Logged, AsyncConnectionErrorRetryHandler):
    pass


def _capped_retry_after(response: HttpResponse, cap: float) -> HttpResponse:
    headers: dict[str, str | list[str]] = {k: list(v) for k, v in response.headers.items()}
    for key, values in headers.items():
        if key.lower() == "retry-after":
            try:
                seconds = max(0, int(float(values[0])))
            except (ValueError, IndexError):
                seconds = 1
            headers[key] = [str(min(seconds, int(cap)))]
    return HttpResponse(
        status_code=response.status_code, headers=headers, body=response.body, data=response.data
    )


def _method(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] if "/api/" in url else "response_url"


class _NoJitter(Jitter):
    def recalculate(self, duration: float) -> float:
        return duration


def retry_handlers(policy: RetryPolicy) -> list[AsyncRetryHandler]:
    backoff = BackoffRetryIntervalCalculator(
        backoff_factor=policy.backoff_factor, jitter=None if policy.jitter else _NoJitter()
    )
    return [
        RateLimitRetry(
            max_retry_count=policy.rate_limit_retries, max_retry_after=policy.max_retry_after
        ),
        ServerErrorRetry(max_retry_count=policy.server_error_retries, interval_calculator=backoff),
        ConnectionRetry(max_retry_count=policy.connection_retries, interval_calculator=backoff),
    ]


def web_client(
    *,
    token: str | None,
    session: aiohttp.ClientSession,
    policy: RetryPolicy,
    base_url: str | None = None,
) -> AsyncWebClient:
    kwargs: dict[str, Any] = {}
    if base_url:
        kwargs["base_url"] = base_url
    return AsyncWebClient(
        token=token,
        session=session,
        # aiohttp takes fractional seconds although slack_sdk annotates ``int``
        timeout=cast(int, policy.timeout_seconds),
        retry_handlers=retry_handlers(policy),
        logger=logging.getLogger("citebot.slack.sdk"),
        **kwargs,
    )


def webhook_client(
    url: str, *, session: aiohttp.ClientSession, policy: RetryPolicy
) -> AsyncWebhookClient:
    return AsyncWebhookClient(
        url=url,
        session=session,
        timeout=cast(int, policy.timeout_seconds),
        retry_handlers=retry_handlers(policy),
        logger=logging.getLogger("citebot.slack.sdk"),
    )


def api_error(exc: SlackApiError) -> str:
    """Slack's error code (``invalid_auth``), else the HTTP status."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {getattr(exc.response, 'status_code', '?')}"
