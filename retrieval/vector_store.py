"""Passage vectors kept on disk between runs, so a new process need not encode again.

One file per document set
(``<cache dir>/vectors/<key of the document paths>-<model>.npz``) holds, for each
passage encoded so far, a 64-bit digest of the text that was encoded, its vector and its
word pieces' vectors in context (float16). A vector is used again only for a passage
whose text has that digest, so an edited document, a changed cleaner or shifted passage
numbers never bring back a stale vector, and unchanged passages of an edited document
are reused. The model's identity is in the file name; past :data:`MAX_FILES` files the
oldest go. The bundled documents' vectors ship with citebot
(``retrieval/data/seed-vectors.npz``, read only), so that even the first ``citebot ask``
about them encodes only the question. Files are read with ``allow_pickle=False``; an
unreadable, altered or truncated file is ignored with a warning (the vectors are computed
again), and a failed write never fails an answer.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np

log = logging.getLogger(__name__)

DIRECTORY = "vectors"
SEED_VECTORS_FILE = "data/seed-vectors.npz"
# Files of other document sets (temporary folders, old checkouts) are removed, least
# recently written first, past this many.
MAX_FILES = 32


class StoredVectors(NamedTuple):
    """Digest -> a passage's vector, and digest -> its word pieces' vectors (float16;
    missing for passages stored before pieces were)."""

    vectors: dict[int, np.ndarray]
    pieces: dict[int, np.ndarray]


def text_digest(text: str) -> int:
    """64 bits of BLAKE2b over the UTF-8 text (never 0, which marks "no vector")."""
    raw = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(raw, "little") or 1


def shipped_seed_vectors() -> Path:
    """The shipped vectors of the bundled documents (benchmarks/build_seed_vectors.py)."""
    from importlib import resources

    return Path(str(resources.files("retrieval").joinpath(SEED_VECTORS_FILE)))


def vector_file(root: Path, files: Sequence[Path], model_id: str) -> Path:
    from retrieval.cache import cache_key

    return root / DIRECTORY / f"{cache_key(files)}-{model_id}.npz"


class VectorStore:
    """Reads and writes one document set's vectors (see the module docstring).

    ``path`` is the file written (None: nothing is written); ``read_also`` are files only
    read, such as the vectors shipped with the bundled documents."""

    def __init__(
        self, path: Path | None, *, dimensions: int, read_also: Sequence[Path] = ()
    ) -> None:
        self.path = path
        self.dimensions = dimensions
        self.read_also = tuple(read_also)

    def load_all(self) -> StoredVectors:
        """The vectors and word pieces of every stored passage (the written file wins
        over the read-only ones); empty when there is no usable file."""
        found = StoredVectors({}, {})
        for path in (*self.read_also, *([self.path] if self.path is not None else [])):
            stored = read_stored(path, self.dimensions)
            found.vectors.update(stored.vectors)
            found.pieces.update(stored.pieces)
        return found

    def save_all(self, stored: StoredVectors) -> None:
        """Write atomically (a temporary file renamed into place); warn on failure."""
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=".npz",
                                           dir=self.path.parent)
            try:
                with os.fdopen(handle, "wb") as out:
                    write_stored(out, stored, self.dimensions)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not save sentence vectors to %s: %s", self.path, exc)
            return
        _prune(self.path.parent, keep=self.path, max_files=MAX_FILES)


def read_stored(path: Path, dimensions: int) -> StoredVectors:
    """The vectors and word pieces of one file; empty (with a warning) when it is
    unusable, without pieces when they are missing or do not fit the vectors."""
    empty = StoredVectors({}, {})
    if not path.is_file():
        return empty
    try:
        with np.load(path, allow_pickle=False) as stored:
            digests = stored["digests"]
            vectors = stored["vectors"]
            counts = stored["piece_counts"] if "piece_counts" in stored.files else None
            pieces = stored["pieces"] if "pieces" in stored.files else None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("ignoring the stored vectors in %s: %s", path, exc)
        return empty
    if (digests.dtype != np.uint64 or digests.ndim != 1 or vectors.dtype != np.float32
            or vectors.shape != (len(digests), dimensions)):
        log.warning("ignoring the stored vectors in %s: unexpected shape or type", path)
        return empty
    keys = digests.tolist()
    found = StoredVectors(dict(zip(keys, vectors, strict=True)), {})
    if counts is None or pieces is None:
        return found
    if (counts.dtype != np.uint32 or counts.shape != digests.shape
            or pieces.dtype != np.float16 or pieces.ndim != 2
            or pieces.shape != (int(counts.sum()), dimensions)):
        log.warning("ignoring the stored word pieces in %s: unexpected shape or type", path)
        return found
    ends = np.cumsum(counts).tolist()
    starts = [0, *ends[:-1]]
    found.pieces.update((d, pieces[a:b]) for d, a, b, n in
                        zip(keys, starts, ends, counts.tolist(), strict=True) if n)
    return found


def write_stored(target: Path | BinaryIO, stored: StoredVectors, dimensions: int) -> None:
    """Write one file (or open binary file) directly: no temporary file, no pruning."""
    keys = list(stored.vectors)
    vectors = (np.vstack([stored.vectors[d] for d in keys]) if keys
               else np.zeros((0, dimensions), dtype=np.float32))
    parts = [stored.pieces.get(d) for d in keys]
    counts = np.array([0 if p is None else len(p) for p in parts], dtype=np.uint32)
    pieces = [p for p in parts if p is not None and len(p)]
    np.savez(target, digests=np.array(keys, dtype=np.uint64),
             vectors=np.ascontiguousarray(vectors, dtype=np.float32),
             piece_counts=counts,
             pieces=(np.vstack(pieces).astype(np.float16) if pieces
                     else np.zeros((0, dimensions), dtype=np.float16)))


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
