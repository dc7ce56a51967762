"""Exactly one answer per question: remember what was already taken, bounded in memory.

Slack redelivers an event it believes failed (``X-Slack-Retry-Num``) with the same
``event_id``, and a mention can arrive both as ``app_mention`` and as ``message`` with the
same ``(channel, ts)``. :class:`Deduplicator` keeps the keys it has seen for ``ttl_seconds``
(Slack retries for about half an hour) and at most ``max_keys`` of them, oldest first out.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable


class Deduplicator:
    """``claim(keys)`` is True the first time any of ``keys`` is seen, False afterwards."""

    def __init__(
        self,
        *,
        max_keys: int = 50_000,
        ttl_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max_keys = max_keys
        self._ttl = ttl_seconds
        self._clock = clock
        self._seen: OrderedDict[Hashable, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def claim(self, keys: Iterable[Hashable | None]) -> bool:
        """Record ``keys`` (``None`` entries are skipped); False if any was seen before."""
        now = self._clock()
        self._expire(now)
        wanted = [k for k in keys if k is not None]
        if any(k in self._seen for k in wanted):
            return False
        for key in wanted:
            self._seen[key] = now
        while len(self._seen) > self._max_keys:
            self._seen.popitem(last=False)
        return True

    def _expire(self, now: float) -> None:
        limit = now - self._ttl
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if seen_at > limit:
                return
            del self._seen[key]
