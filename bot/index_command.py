"""`citebot index [--docs ...]`: build the index cache ahead of time."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from retrieval.errors import ConfigError


def run_index(args: argparse.Namespace, *, stdout: TextIO) -> int:
    from retrieval.cache import CACHE_ENV, default_cache_dir
    from retrieval.engine import build_engine
    from retrieval.progress import BuildProgress

    root = default_cache_dir()
    if root is None:
        raise ConfigError(f"{CACHE_ENV} is off: there is no index cache to build")
    started = time.perf_counter()
    with BuildProgress() as progress:
        engine = build_engine(args.docs, cache_dir=root, min_cache_bytes=0,
                              progress=progress, force_rebuild=bool(getattr(args, "force", False)))
    seconds = time.perf_counter() - started
    how = "loaded (already up to date)" if engine.from_cache else "built"
    stdout.write(
        f"Index {how}: {len(engine.corpus.documents)} document(s), "
        f"{len(engine.corpus):,} passages, {len(engine.index.vocabulary):,} terms "
        f"in {seconds:.1f} s\n"
        f"Cache: {engine.cache_path}\n"
    )
    return 0
