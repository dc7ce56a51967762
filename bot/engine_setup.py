"""Build the retrieval engine the way the settings ask: documents, size limit, cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings
from retrieval.engine import Engine, build_engine


def engine_from_settings(
    settings: Settings, docs: Sequence[str | Path] | None = None, **options: object
) -> Engine:
    """``docs`` (e.g. ``--docs``) win over ``CITEBOT_DOCS``; the bundled documents last."""
    paths = list(docs or ()) or list(settings.docs_paths) or None
    return build_engine(
        paths,
        cache_dir=settings.cache_dir,
        max_document_bytes=settings.max_document_bytes,
        **options,  # type: ignore[arg-type]
    )
