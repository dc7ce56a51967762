"""Progress of a long index build: a tqdm bar on a terminal's stderr, silence otherwise."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

# A build shorter than this shows nothing at all.
SHOW_AFTER_SECONDS = 2.0


class BuildProgress:
    """Counts units (passages) and names stages; draws only when ``stream`` is a TTY.

    Nothing is drawn until ``show_after`` seconds into the build, so quick builds stay
    silent.
    """

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        show_after: float = SHOW_AFTER_SECONDS,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._show_at = time.monotonic() + show_after  # counted from the build's start
        if enabled is None:
            enabled = bool(getattr(self._stream, "isatty", lambda: False)())
        self._enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> BuildProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self, description: str, total: int | None, unit: str = "passages") -> None:
        self.close()
        if not self._enabled:
            return
        from tqdm import tqdm

        delay = max(0.0, self._show_at - time.monotonic())
        self._bar = tqdm(total=total, desc=description, unit=unit, unit_scale=True,
                         file=self._stream, delay=delay, leave=False, dynamic_ncols=True)

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def stage(self, description: str) -> None:
        if self._bar is not None:
            self._bar.set_description_str(description)
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
