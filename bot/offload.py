"""Run CPU work inline while it is measured to be cheap, on a worker thread otherwise.

Handing work to a thread costs ~0.1-0.2 ms (and more at p99 on a busy 2-core machine),
more than a small corpus needs to answer. Each kind of work keeps moving averages of its
measured duration, one for runs inline and one for runs on a thread; while the inline one
stays under the budget (1 ms) the work runs inline on the event loop, and once it grows
past it (a large corpus, a slow summary) it moves to ``asyncio.to_thread`` so the loop is
never blocked for long.

A thread's measurement overstates the inline cost: the worker usually wakes on the other
core, whose caches do not hold the index, and the same answer has measured 1.6 ms there
against 0.7 ms inline. So while work is offloaded and its threaded average leaves room for
a cheap inline cost (under ``PROBE_CEILING`` budgets), it goes back inline after every
``PROBE_EVERY`` runs on threads to measure again. The first run of such a probe is as cold
as the thread's were, so a probe starts the inline average just under budget and lets a
few runs decide; work that is truly over budget is back on threads after two or three.
Work under a few milliseconds blocks the loop no longer inline than on a thread, which
holds the interpreter's lock for up to its 5 ms switch interval anyway.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

DEFAULT_BUDGET_SECONDS = 0.001
_ALPHA = 0.2  # weight of the newest measurement in a moving average
PROBE_CEILING = 3.0
PROBE_EVERY = 8
_PROBE_START = 0.8  # a probe's starting inline average, in budgets


@dataclass
class _Durations:
    """Moving averages of one kind of work's duration (None: never run that way)."""

    inline: float | None = None
    threaded: float | None = None
    threaded_since_inline: int = 0


def _moving(previous: float | None, seconds: float) -> float:
    return seconds if previous is None else (1 - _ALPHA) * previous + _ALPHA * seconds


class Offloader:
    def __init__(self, *, budget_seconds: float = DEFAULT_BUDGET_SECONDS,
                 inline_allowed: bool = True,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.budget = budget_seconds
        self.inline_allowed = inline_allowed
        self._clock = clock
        self._durations: dict[str, _Durations] = {}

    def runs_inline(self, kind: str) -> bool:
        """Inline only once a kind of work has been measured, and measured cheap inline
        (or is due a probe of its inline cost)."""
        durations = self._durations.get(kind)
        if not self.inline_allowed or durations is None:
            return False
        if durations.inline is not None and durations.inline < self.budget:
            return True
        if durations.threaded is None or durations.threaded >= self.budget * PROBE_CEILING:
            return False
        return (durations.inline is None
                or durations.threaded_since_inline >= PROBE_EVERY - 1)

    def _observe(self, kind: str, seconds: float, *, inline: bool) -> None:
        durations = self._durations.setdefault(kind, _Durations())
        if inline:
            durations.inline = _moving(durations.inline, seconds)
            durations.threaded_since_inline = 0
        else:
            durations.threaded = _moving(durations.threaded, seconds)
            durations.threaded_since_inline += 1

    async def run(self, kind: str, work: Callable[[], T]) -> T:
        measured: list[float] = []

        def timed() -> T:
            start = self._clock()
            try:
                return work()
            finally:
                measured.append(self._clock() - start)

        inline = self.runs_inline(kind)
        durations = self._durations.get(kind)
        if inline and durations is not None and (
            durations.inline is None or durations.inline >= self.budget
        ):
            start = self.budget * _PROBE_START
            durations.inline = start if math.isfinite(start) else None
        try:
            if inline:
                return timed()
            return await asyncio.to_thread(timed)
        finally:
            # Observed on the loop's thread; a cancelled wait leaves nothing measured.
            if measured:
                self._observe(kind, measured[0], inline=inline)
