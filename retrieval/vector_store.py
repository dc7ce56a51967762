"""Passage vectors kept on disk between runs, so a new process need not encode again.

One file per document set (``<cache dir>/vectors/<key of the document paths>-<model>.npz``)
holds, for each passage encoded so far, a 64-bit digest of the text that was encoded and
its vector. A vector is used again only for a passage whose text has that digest, so an
edited document, a changed cleaner or shifted passage numbers never bring back a stale
vector, and unchanged passages of an edited document are reused. The model's identity is
in the file name; past :data:`MAX_FILES` files the oldest go. Read with
``allow_pickle=False``; an unreadable, altered or truncated
file is ignored with a warning (the vectors are computed again), and a failed write never
fails an answer.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DIRECTORY = "vectors"
# Files of other document sets (temporary folders, old checkouts) are removed, least
# recently written first, past this many.
MAX_FILES = 32


def text_digest(text: str) -> int:
    """64 bits of BLAKE2b over the UTF-8 text (never 0, which marks "no vector")."""
    raw = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(raw, "little") or 1


def vector_file(root: Path, files: Sequence[Path], model_id: str) -> Path:
    from retrieval.cache import cache_key

    return root / DIRECTORY / f"{cache_key(files)}-{model_id}.npz"


class VectorStore:
    """Reads and writes one document set's vectors (see the module docstring)."""

    def __init__(self, path: Path, *, dimensions: int) -> None:
        self.path = path
        self.dimensions = dimensions

    def load(self) -> dict[int, np.ndarray]:
        """Digest -> vector for every stored passage; empty when there is no usable file."""
        if not self.path.is_file():
            return {}
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                digests = stored["digests"]
                vectors = stored["vectors"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            log.warning("ignoring the stored vectors in %s: %s", self.path, exc)
            return {}
        if (digests.dtype != np.uint64 or digests.ndim != 1 or vectors.dtype != np.float32
                or vectors.shape != (len(digests), self.dimensions)):
            log.warning("ignoring the stored vectors in %s: unexpected shape or type", self.path)
            return {}
        return dict(zip(digests.tolist(), vectors, strict=True))

    def save(self, digests: np.ndarray, vectors: np.ndarray) -> None:
        """Write atomically (a temporary file renamed into place); warn on failure."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=".npz",
                                           dir=self.path.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    np.savez(out, digests=np.ascontiguousarray(digests, dtype=np.uint64),
                             vectors=np.ascontiguousarray(vectors, dtype=np.float32))
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not save sentence vectors to %s: %s", self.path, exc)
            return
        _prune(self.path.parent, keep=self.path, max_files=MAX_FILES)


def _prune(folder: Path, *, keep: Path, max_files: int) -> None:
    dated: list[tuple[int, Path]] = []
    for path in folder.glob("*.npz"):
        try:
            dated.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue  # removed by another process meanwhile
    dated.sort(reverse=True)
    for _, path in dated[max_files:]:
        if path != keep:
            path.unlink(missing_ok=True)
