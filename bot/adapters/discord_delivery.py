"""Bounded retries for Discord API calls, without ever sending an answer twice.

discord.py already waits out 429s (``Retry-After``) and retries some 5xx responses inside
one call. This layer adds what it lacks: a time limit per attempt (a hung request), and
retries after connection failures, timeouts and persistent 5xx, with capped backoff.

A retry is only safe when repeating the call cannot duplicate a message. Callers say so
with ``idempotent``: channel messages carry a fixed ``nonce`` with ``enforce_nonce`` (Discord
returns the first message for a repeated nonce), editing the deferred interaction response
is a PATCH, and a thread started on a message exists at most once. A call that is not
idempotent (a webhook follow-up) is retried only when the request provably never reached
Discord (the connection could not be opened) or Discord answered with an error status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
import discord

T = TypeVar("T")
log = logging.getLogger("citebot.discord")


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try one API call."""

    attempts: int = 4  # total tries per call
    request_timeout: float = 45.0  # per attempt; covers discord.py's own 429 waits (<= 30 s)
    backoff: float = 1.0  # first pause between attempts, doubled each time
    max_backoff: float = 10.0
    max_rate_limit_wait: float = 60.0  # a longer Retry-After is not worth waiting for
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep  # the pause between attempts

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.request_timeout <= 0:
            raise ValueError("request_timeout must be positive")


def describe(exc: BaseException) -> str:
    """A short description for logs: the error type and status, never a URL or header."""
    if isinstance(exc, discord.HTTPException):
        return f"{type(exc).__name__} {exc.status} (code {exc.code})"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__


def retry_delay(
    exc: BaseException, attempt: int, *, idempotent: bool, policy: DeliveryPolicy
) -> float | None:
    """Seconds to wait before retrying after ``exc``, or None when retrying is wrong."""
    backoff = min(policy.max_backoff, policy.backoff * (2 ** (attempt - 1)))
    if isinstance(exc, discord.RateLimited):
        return exc.retry_after if exc.retry_after <= policy.max_rate_limit_wait else None
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            after = _retry_after_header(exc)
            return after if after <= policy.max_rate_limit_wait else None
        return backoff if exc.status >= 500 else None  # 4xx: retrying cannot help
    if isinstance(exc, aiohttp.ClientConnectorError):
        return backoff  # never connected: nothing was sent
    if isinstance(exc, TimeoutError | aiohttp.ClientError | ConnectionError):
        return backoff if idempotent else None  # the request may have taken effect
    return None


def _retry_after_header(exc: discord.HTTPException) -> float:
    try:
        return float(exc.response.headers.get("Retry-After", "1"))
    except (AttributeError, ValueError):
        return 1.0


async def deliver(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    idempotent: bool,
    policy: DeliveryPolicy,
) -> T:
    """Run ``call`` until it succeeds, retrying transient failures within ``policy``.

    Raises the last error when the call cannot succeed or the attempts run out.
    """
    attempt = 1
    while True:
        try:
            return await asyncio.wait_for(call(), policy.request_timeout)
        except Exception as exc:
            delay = retry_delay(exc, attempt, idempotent=idempotent, policy=policy)
            if delay is None or attempt >= policy.attempts:
                raise
            log.warning(
                "discord: %s failed (%s); retry %d of %d in %.2f s",
                what, describe(exc), attempt, policy.attempts - 1, delay,
            )
            attempt += 1
            await policy.sleep(delay)
