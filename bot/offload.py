"""Run CPU work inline while it is measured to be cheap, on a worker thread otherwise.

Handing work to a thread costs ~0.1-0.2 ms (and more at p99 on a busy 2-core machine),
more than a small corpus needs to answer. Each kind of work keeps a moving average of its
own measured duration; while that stays under the budget (1 ms) the work runs inline on
the event loop, and once it grows past it (a large corpus, a slow summary) it moves to
``asyncio.to_thread`` so the loop is never blocked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_BUDGET_SECONDS = 0.001
_ALPHA = 0.2  # weight of the newest measurement in the moving average


class Offloader:
    def __init__(self, *, budget_seconds: float = DEFAULT_BUDGET_SECONDS,
                 inline_allowed: bool = True) -> None:
        self.budget = budget_seconds
        self.inline_allowed = inline_allowed
        self._average: dict[str, float] = {}

    def runs_inline(self, kind: str) -> bool:
        """Inline only once a kind of work has been measured, and measured cheap."""
        average = self._average.get(kind)
        return self.inline_allowed and average is not None and average < self.budget

    def _observe(self, kind: str, seconds: float) -> None:
        previous = self._average.get(kind)
        self._average[kind] = seconds if previous is None else (
            (1 - _ALPHA) * previous + _ALPHA * seconds
        )

    async def run(self, kind: str, work: Callable[[], T]) -> T:
        def timed() -> T:
            start = time.perf_counter()
            try:
                return work()
            finally:
                self._observe(kind, time.perf_counter() - start)

        if self.runs_inline(kind):
            return timed()
        return await asyncio.to_thread(timed)
