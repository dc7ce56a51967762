"""A per-key token bucket: ``burst`` requests at once, refilled at ``per_minute``."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class TokenBucket:
    """Token buckets for many keys (users), bounded in memory.

    ``per_minute <= 0`` disables limiting. Full buckets are forgotten first when more than
    ``max_keys`` users are tracked, so memory stays bounded whatever the traffic.
    """

    def __init__(
        self,
        *,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.per_second = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    def _level(self, key: Hashable, now: float) -> float:
        state = self._buckets.get(key)
        if state is None:
            return self.burst
        tokens, stamp = state
        return min(self.burst, tokens + max(0.0, now - stamp) * self.per_second)

    def allow(self, key: Hashable) -> bool:
        """Take one token for ``key``; False when none is left."""
        if not self.enabled:
            return True
        now = self._clock()
        tokens = self._level(key, now)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` has a token again (0 if it has one now)."""
        if not self.enabled:
            return 0.0
        tokens = self._level(key, self._clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.per_second
