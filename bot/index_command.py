"""`citebot index [--docs ...]`: build the index cache ahead of time."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from bot.config import Settings
from bot.engine_setup import engine_from_settings
from retrieval.errors import ConfigError


def run_index(args: argparse.Namespace, *, stdout: TextIO) -> int:
    from retrieval.progress import BuildProgress

    settings = Settings.from_env()
    if settings.cache_dir is None:
        raise ConfigError("CITEBOT_CACHE_DIR is off: there is no index cache to build")
    started = time.perf_counter()
    with BuildProgress() as progress:
        engine = engine_from_settings(
            settings, args.docs, min_cache_bytes=0, progress=progress, force_rebuild=args.force
        )
    seconds = time.perf_counter() - started
    how = "loaded (already up to date)" if engine.from_cache else "built"
    stdout.write(
        f"Index {how}: {len(engine.corpus.documents)} document(s), "
        f"{len(engine.corpus):,} passages, {len(engine.index.vocabulary):,} terms "
        f"in {seconds:.1f} s\n"
        f"Cache: {engine.cache_path}\n"
    )
    return 0
