"""The index cache: a built engine's arrays on disk, trusted only when everything matches.

Layout: ``<cache dir>/<hash of the document paths>/`` holds ``manifest.json`` (format,
fingerprint of the documents and of the code that cleans and analyses them, settings,
and per file its dtype, shape and SHA-256) and one ``.npy`` per array, plus
``strings.json``. Nothing is pickled (``np.load(..., allow_pickle=False)``). A
fingerprint mismatch means "rebuild"; a missing, truncated or altered file raises
:class:`IndexCacheError` and the caller rebuilds.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import IndexCacheError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# The modules whose behaviour is baked into a cached index.
_CODE = ("documents.py", "sentences.py", "analysis.py", "paragraphs.py", "corpus.py",
         "terms.py", "impact.py", "index.py", "cache.py", "snapshot.py", "data/stopwords-en.txt")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Hash of the cleaning/analysis/index code: a changed cleaner invalidates caches."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _CODE:
        path = here / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def fingerprint(files: Sequence[Path], settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a cached index was built from: every file's path, size, mtime and SHA-256."""
    entries = []
    for file in files:
        resolved = file.resolve()
        stat = resolved.stat()
        entries.append({"path": str(resolved), "size": stat.st_size,
                        "mtime_ns": stat.st_mtime_ns, "sha256": _sha256_file(resolved)})
    return {"format": FORMAT_VERSION, "code": code_fingerprint(),
            "settings": dict(settings), "files": entries}


def cache_key(files: Sequence[Path]) -> str:
    joined = "\n".join(str(f.resolve()) for f in files)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:20]


class IndexCache:
    """Saves and loads named arrays plus JSON strings under one directory per corpus."""

    def __init__(self, *, root: Path) -> None:
        self.root = root

    def location(self, files: Sequence[Path]) -> Path:
        return self.root / cache_key(files)

    def save(
        self,
        files: Sequence[Path],
        print_: Mapping[str, Any],
        arrays: Mapping[str, np.ndarray],
        strings: Mapping[str, Any],
    ) -> Path:
        """Write atomically (a temporary directory renamed into place)."""
        target = self.location(files)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=self.root))
        try:
            listing: dict[str, Any] = {}
            for name, array in arrays.items():
                array = np.ascontiguousarray(array)
                np.save(tmp / f"{name}.npy", array, allow_pickle=False)
                listing[name] = {"dtype": array.dtype.str, "shape": list(array.shape),
                                 "sha256": _sha256_file(tmp / f"{name}.npy")}
            blob = json.dumps(strings, ensure_ascii=False).encode("utf-8")
            (tmp / "strings.json").write_bytes(blob)
            manifest = {"fingerprint": dict(print_), "arrays": listing,
                        "strings_sha256": hashlib.sha256(blob).hexdigest()}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    def load(
        self, files: Sequence[Path], print_: Mapping[str, Any]
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """The saved arrays and strings; None when absent or built from other inputs.

        Raises :class:`IndexCacheError` when the cache is unreadable, truncated or altered.
        """
        where = self.location(files)
        manifest_path = where / "manifest.json"
        if not manifest_path.is_file():
            return None
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexCacheError(f"{manifest_path}: unreadable ({exc})") from exc
        if not isinstance(manifest, dict) or manifest.get("fingerprint") != dict(print_):
            return None
        try:
            listing = manifest["arrays"]
            arrays = {name: _load_array(where / f"{name}.npy", spec)
                      for name, spec in listing.items()}
            blob = (where / "strings.json").read_bytes()
            if hashlib.sha256(blob).hexdigest() != manifest["strings_sha256"]:
                raise IndexCacheError(f"{where}/strings.json: checksum mismatch")
            strings = json.loads(blob.decode("utf-8"))
        except IndexCacheError:
            raise
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise IndexCacheError(f"{where}: unreadable cache ({exc})") from exc
        if not isinstance(strings, dict):
            raise IndexCacheError(f"{where}/strings.json: not an object")
        return arrays, strings


def _load_array(path: Path, spec: Mapping[str, Any]) -> np.ndarray:
    """Read, verify the checksum, then view the bytes as the array (no second copy)."""
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != spec["sha256"]:
        raise IndexCacheError(f"{path}: checksum mismatch")
    from numpy.lib import format as npy

    stream = io.BytesIO(data)
    version = npy.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = npy.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = npy.read_array_header_2_0(stream)
    else:
        raise IndexCacheError(f"{path}: unsupported .npy version {version}")
    if dtype.hasobject or fortran or dtype.str != spec["dtype"] or list(shape) != list(
        spec["shape"]
    ):
        raise IndexCacheError(f"{path}: unexpected dtype or shape")
    count = int(np.prod(shape, dtype=np.int64))
    if len(data) - stream.tell() != count * dtype.itemsize:
        raise IndexCacheError(f"{path}: truncated")
    return np.frombuffer(data, dtype=dtype, count=count, offset=stream.tell()).reshape(shape)
