"""Thread memory: the last answered turn of each conversation, bounded by size and age."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    """What a follow-up may lean on: the earlier question and the passage cited for it."""

    question: str
    quote: str
    words: tuple[str, ...] = ()  # content words of the question (folded, no stopwords)
    names: tuple[str, ...] = ()  # the folded names among them (capitalised mid-sentence)
    shown: str = ""  # the question as the user asked it
    context: str = ""  # what of the cited passage a follow-up may lean on (its names)
    # For a question that asked the one before of a new subject ("what about netrc?"): the
    # words it was asked with, without that subject, for the next new subject to take.
    frame: tuple[str, ...] | None = None


class ThreadMemory:
    """An LRU of :class:`Turn` per conversation key with a time-to-live.

    ``size == 0`` or ``ttl <= 0`` remembers nothing (every question stands alone).
    """

    def __init__(
        self, *, size: int, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl = ttl_seconds
        self._clock = clock
        self._turns: OrderedDict[Hashable, tuple[float, Turn]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    def get(self, key: Hashable) -> Turn | None:
        entry = self._turns.get(key)
        if entry is None:
            return None
        stamp, turn = entry
        if self._clock() - stamp > self.ttl:
            del self._turns[key]
            return None
        self._turns.move_to_end(key)
        return turn

    def put(self, key: Hashable, turn: Turn) -> None:
        if self.size <= 0 or self.ttl <= 0:
            return
        self._turns[key] = (self._clock(), turn)
        self._turns.move_to_end(key)
        while len(self._turns) > self.size:
            self._turns.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._turns.pop(key, None)
