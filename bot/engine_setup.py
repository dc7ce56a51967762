"""Build the retrieval engine the way the settings ask: documents, size limit, cache."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings
from retrieval.engine import Engine, build_engine

# Survivors of this many answers are frozen before one full collection looks at them.
FULL_COLLECTION_EVERY = 10_000


def engine_from_settings(
    settings: Settings,
    docs: Sequence[str | Path] | None = None,
    *,
    semantic_by_default: bool = False,
    **options: object,
) -> Engine:
    """``docs`` (e.g. ``--docs``) win over ``CITEBOT_DOCS``; the bundled documents last.

    ``semantic_by_default``: what ``CITEBOT_SEMANTIC=auto`` (the default) means here.
    ``citebot ask`` says yes: one person waits for each answer, and the encoder's ~10 ms
    is lost in the process start. The chat servers say no: their budget is ~1 ms a
    question at hundreds a second (benchmarks/RESULTS.md, issues 3 and 6).
    """
    paths = list(docs or ()) or list(settings.docs_paths) or None
    # auto where it means yes: used unless the documents are too many for it, quietly.
    semantic = settings.semantic if settings.semantic is not None else (
        None if semantic_by_default else False)
    engine = build_engine(
        paths,
        cache_dir=settings.cache_dir,
        max_document_bytes=settings.max_document_bytes,
        semantic=semantic,
        **options,  # type: ignore[arg-type]
    )
    # The engine lives as long as the process: keep its objects out of every later
    # garbage collection (a full one walked them all: 25 ms pauses at 1M passages).
    gc.freeze()
    return engine


class Survivors:
    """Keeps the garbage collector out of a loop that answers question after question.

    What survives an answer is the bounded caches' new entries (passage analyses, token
    analyses), and answering creates no reference cycles (tests/test_gc_survivors.py
    holds it to that): everything an answer drops is freed by reference counting, and a
    collection would find nothing. Yet collections ran anyway, triggered by allocation
    counts: a young one every answer or two, and middle and full ones that walked the
    cached entries again (pauses of 1-5 ms at a million passages). Inside ``with
    Survivors() as survivors:`` automatic collection is off and :meth:`settle`, called
    after each answer, moves what survived it to the permanent generation
    (``gc.freeze``, a constant-time list splice). Every ``full_every`` answers one full
    collection looks at everything frozen since, so that a cycle some future change
    introduces is freed late rather than never.
    """

    def __init__(self, *, full_every: int = FULL_COLLECTION_EVERY) -> None:
        if full_every < 1:
            raise ValueError("full_every must be at least 1")
        self._full_every = full_every
        self._answers = 0
        self._was_enabled = True

    def __enter__(self) -> Survivors:
        self._was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._was_enabled:
            gc.enable()

    def settle(self) -> None:
        """Call once per answer, after it is sent."""
        self._answers += 1
        if self._answers % self._full_every == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()
