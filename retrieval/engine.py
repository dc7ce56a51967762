"""Wiring: documents on disk -> corpus -> index -> answerer, built once and passed around.

Large document sets load from the index cache (retrieval/cache.py) when it matches the
documents, and are indexed and saved to it otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.analysis import Analyzer
from retrieval.answer import Answerer
from retrieval.corpus import Corpus, bundled_documents_path, load_corpus
from retrieval.documents import DEFAULT_MAX_DOCUMENT_BYTES, find_document_files
from retrieval.errors import IndexCacheError
from retrieval.index import DEFAULT_B, DEFAULT_EPSILON, DEFAULT_K1, BM25Index
from retrieval.progress import BuildProgress

if TYPE_CHECKING:
    from retrieval.vector_store import VectorStore

log = logging.getLogger(__name__)

# Below this many bytes of documents, indexing from scratch beats loading a cache
# (the bundled article: ~25 ms to index, more to hash, load and check).
MIN_CACHE_BYTES = 1_000_000


@dataclass(frozen=True)
class Engine:
    """Everything needed to answer questions about one set of documents."""

    corpus: Corpus
    index: BM25Index
    answerer: Answerer
    cache_path: Path | None = None  # where the index was loaded from or saved to
    from_cache: bool = False

    def save_semantic_vectors(self) -> None:
        """Keep the sentence vectors encoded so far for the next process (semantic
        ranking with a cache directory only; a failed write is logged, never raised)."""
        if self.answerer.semantic is not None:
            self.answerer.semantic.save()


def build_engine(
    paths: Sequence[str | Path] | None = None,
    *,
    cache_dir: Path | None = None,
    min_cache_bytes: int = MIN_CACHE_BYTES,
    max_document_bytes: int | None = DEFAULT_MAX_DOCUMENT_BYTES,
    progress: BuildProgress | None = None,
    force_rebuild: bool = False,
    semantic: bool | None = False,
) -> Engine:
    """Load documents (the bundled ones by default) and index them, or load the cache.

    The index is cached under ``cache_dir`` (``None``: no cache) when the documents
    add up to at least ``min_cache_bytes``; smaller sets index faster than a load.
    ``semantic``: rank with the sentence-vector feature too (:mod:`retrieval.semantic`);
    with a ``cache_dir`` the vectors can be kept there (:meth:`Engine.save_semantic_vectors`).
    ``None``: the same where the documents allow it, and quietly not above
    :data:`~retrieval.semantic.MAX_SEMANTIC_PASSAGES` (``True`` warns there).
    """
    files = find_document_files(paths or [bundled_documents_path()])
    root = cache_dir
    vectors = (_vector_store(cache_dir, files, bundled=not paths)
               if semantic is not False else None)
    if root is None or sum(f.stat().st_size for f in files) < min_cache_bytes:
        return _engine(_build_index(files, progress, max_document_bytes=max_document_bytes),
                       None, False, semantic, vectors)
    from retrieval.cache import IndexCache, fingerprint

    cache = IndexCache(root=root)
    analyzer = Analyzer()
    settings = {"k1": DEFAULT_K1, "b": DEFAULT_B, "epsilon": DEFAULT_EPSILON,
                "stopwords": sorted(analyzer.stopwords), "max_document_bytes": max_document_bytes}
    print_ = fingerprint(files, settings)
    if not force_rebuild:
        try:
            loaded = cache.load(files, print_)
            if loaded is not None:
                from retrieval.snapshot import from_snapshot

                index = from_snapshot(*loaded, analyzer=analyzer)
                return _engine(index, cache.location(files), True, semantic, vectors)
        except IndexCacheError as exc:
            log.warning("index cache at %s is unusable, rebuilding: %s",
                        cache.location(files), exc)
    index = _build_index(files, progress, analyzer, max_document_bytes=max_document_bytes)
    if progress is not None:
        progress.start("saving the index cache", total=None, unit="")
    try:
        from retrieval.snapshot import to_snapshot

        where: Path | None = cache.save(files, print_, *to_snapshot(index))
    except OSError as exc:
        log.warning("could not save the index cache under %s: %s", root, exc)
        where = None
    finally:
        if progress is not None:
            progress.close()
    return _engine(index, where, False, semantic, vectors)


def _vector_store(
    cache_dir: Path | None, files: Sequence[Path], *, bundled: bool
) -> VectorStore | None:
    """Where sentence vectors are kept (under ``cache_dir``) and, for the bundled
    documents, the shipped ones are read."""
    from retrieval.encoder import DIMENSIONS, MODEL_ID
    from retrieval.vector_store import VectorStore, shipped_seed_vectors, vector_file

    written = vector_file(cache_dir, files, MODEL_ID) if cache_dir is not None else None
    shipped = [shipped_seed_vectors()] if bundled else []
    if written is None and not shipped:
        return None
    return VectorStore(written, dimensions=DIMENSIONS, read_also=shipped)


def _build_index(
    files: Sequence[Path],
    progress: BuildProgress | None,
    analyzer: Analyzer | None = None,
    *,
    max_document_bytes: int | None,
) -> BM25Index:
    if progress is not None:
        progress.start("reading documents", total=sum(f.stat().st_size for f in files),
                       unit="B")
    corpus = load_corpus(files, progress=progress.advance if progress else None,
                         max_document_bytes=max_document_bytes)
    return BM25Index(corpus=corpus, analyzer=analyzer or Analyzer(), progress=progress)


def _engine(
    index: BM25Index, where: Path | None, from_cache: bool, semantic: bool | None,
    vectors: VectorStore | None,
) -> Engine:
    """``vectors``: where sentence vectors are kept between runs, if anywhere."""
    scorer = None
    if semantic is not False:
        from retrieval.semantic import MAX_SEMANTIC_PASSAGES, EncoderLoader, semantic_scorer

        scorer = semantic_scorer(index.corpus, EncoderLoader(), vectors)
        if scorer is None:
            log.log(logging.WARNING if semantic else logging.INFO,
                    "semantic ranking is off: it serves at most %s passages, these "
                    "documents have %s", f"{MAX_SEMANTIC_PASSAGES:,}", f"{len(index):,}")
    return Engine(corpus=index.corpus, index=index,
                  answerer=Answerer(index=index, semantic=scorer),
                  cache_path=where, from_cache=from_cache)
