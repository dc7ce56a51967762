"""Answers in flight: background tasks the adapter can wait for when it shuts down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("citebot.slack")


class InFlight:
    """Runs answer work as tasks, keeps a reference to each, and drains them on shutdown.

    After ``close()`` nothing new is started: a late event is dropped (it was acknowledged,
    but a process that is stopping cannot promise an answer; Slack shows nothing twice).
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.accepting = True
        self.started = 0
        self.failed = 0

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> bool:
        if not self.accepting:
            work.close()
            log.warning("slack: shutting down, dropped %s", name)
            return False
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        self._idle.clear()
        self.started += 1
        task.add_done_callback(self._done)
        return True

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self.failed += 1
            log.error("slack: %s failed: %s", task.get_name(), error, exc_info=error)

    async def wait_idle(self, timeout: float) -> None:
        """Wait until no answer is running (raises TimeoutError after ``timeout`` s)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    def close(self) -> None:
        self.accepting = False

    async def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for every task; cancel the rest. True if all finished."""
        self.close()
        if not self._tasks:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            left = list(self._tasks)
            log.error("slack: %d answers still running after %.0f s; cancelled", len(left), timeout)
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
            return False
