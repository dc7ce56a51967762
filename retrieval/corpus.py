"""A corpus: the documents served, and their sentences as numbered passages.

Passages are stored as parallel numpy arrays (document, paragraph, offsets) rather than
one Python object each; :meth:`Corpus.passage` materialises one on demand.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.documents import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    Document,
    Paragraph,
    find_document_files,
    load_document,
)
from retrieval.errors import DocumentError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Passage:
    """One sentence of a document, with where it stands."""

    id: int
    document: Document
    paragraph: Paragraph
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]

    @property
    def source(self) -> str:
        return self.document.title

    @property
    def section(self) -> str | None:
        return self.paragraph.section

    @property
    def paragraph_number(self) -> int:
        return self.paragraph.number


class Corpus:
    """Documents and their sentence passages, numbered 0..n-1 in document order."""

    def __init__(self, documents: Sequence[Document]) -> None:
        if not documents:
            raise DocumentError("no documents to serve")
        self.documents: tuple[Document, ...] = tuple(documents)
        parts: list[tuple[np.ndarray, ...]] = []
        key_base = 0
        for d, document in enumerate(self.documents):
            part = _passage_arrays(d, document, key_base)
            key_base += part[-1]
            parts.append(part[:-1])
        columns = list(zip(*parts, strict=True))
        self.doc_ids = np.concatenate(columns[0]).astype(np.int32, copy=False)
        self.para_ids = np.concatenate(columns[1]).astype(np.int32, copy=False)
        self.starts = np.concatenate(columns[2]).astype(np.int64, copy=False)
        self.ends = np.concatenate(columns[3]).astype(np.int64, copy=False)
        self.paragraph_keys = np.concatenate(columns[4]).astype(np.int32, copy=False)
        self.paragraph_count = key_base

    def __len__(self) -> int:
        return int(self.doc_ids.shape[0])

    def passage(self, passage_id: int) -> Passage:
        document = self.documents[int(self.doc_ids[passage_id])]
        return Passage(
            id=int(passage_id),
            document=document,
            paragraph=document.paragraphs[int(self.para_ids[passage_id])],
            start=int(self.starts[passage_id]),
            end=int(self.ends[passage_id]),
        )

    def text(self, passage_id: int) -> str:
        document = self.documents[int(self.doc_ids[passage_id])]
        return document.text[int(self.starts[passage_id]) : int(self.ends[passage_id])]

    def texts_of(self, passage_ids: Sequence[int]) -> list[str]:
        """The texts of ``passage_ids``, in order (:meth:`text` of each, in one pass)."""
        ids = np.asarray(passage_ids, dtype=np.int64)
        docs = self.documents
        return [
            docs[d].text[a:b]
            for d, a, b in zip(self.doc_ids[ids].tolist(), self.starts[ids].tolist(),
                               self.ends[ids].tolist(), strict=True)
        ]

    def texts(self) -> Iterable[str]:
        for i in range(len(self)):
            yield self.text(i)

    def paragraph_passages(self, passage_id: int) -> range:
        """Ids of every passage in the same paragraph as ``passage_id``."""
        key = self.paragraph_keys[passage_id]
        lo = int(np.searchsorted(self.paragraph_keys, key, side="left"))
        hi = int(np.searchsorted(self.paragraph_keys, key, side="right"))
        return range(lo, hi)


def _passage_arrays(d: int, document: Document, key_base: int) -> tuple[Any, ...]:
    """(doc ids, paragraph ids, starts, ends, paragraph keys, paragraphs with sentences)."""
    from retrieval.paragraphs import ParagraphTable

    paragraphs = document.paragraphs
    if isinstance(paragraphs, ParagraphTable):  # large documents: no Python loop
        counts = paragraphs.sentence_counts()
        para_ids = np.repeat(np.arange(len(paragraphs), dtype=np.int32), counts)
        has = counts > 0
        rank = np.cumsum(has, dtype=np.int64) - 1 + key_base
        keys = np.repeat(rank, counts)
        doc_ids = np.full(para_ids.shape[0], d, dtype=np.int32)
        return (doc_ids, para_ids, paragraphs.sentence_starts, paragraphs.sentence_ends,
                keys, int(has.sum()))
    para_list: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    key_list: list[int] = []
    key = key_base - 1
    for p, paragraph in enumerate(paragraphs):
        if not paragraph.sentences:
            continue
        key += 1
        for start, end in paragraph.sentences:
            para_list.append(p)
            starts.append(start)
            ends.append(end)
            key_list.append(key)
    return (
        np.full(len(para_list), d, dtype=np.int32),
        np.asarray(para_list, dtype=np.int32),
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
        np.asarray(key_list, dtype=np.int64),
        key + 1 - key_base,
    )


def load_corpus(
    paths: Iterable[str | Path],
    *,
    progress: Callable[[int], None] | None = None,
    max_document_bytes: int | None = DEFAULT_MAX_DOCUMENT_BYTES,
) -> Corpus:
    """Load every document under ``paths``; skip a bad file with a warning if others load.

    Raises :class:`DocumentError` naming the file when nothing usable remains.
    """
    files = find_document_files(paths)
    documents: list[Document] = []
    problems: list[str] = []
    for file in files:
        try:
            documents.append(load_document(file, max_bytes=max_document_bytes))
        except DocumentError as exc:
            problems.append(str(exc))
            log.warning("skipping document: %s", exc)
        if progress is not None:
            progress(file.stat().st_size)
    if not documents:
        raise DocumentError("; ".join(problems) if problems else "no documents found")
    return Corpus(distinct_titles(documents))


def distinct_titles(documents: list[Document]) -> list[Document]:
    """Documents sharing a title ("Notes" from a/notes.txt and b/notes.txt) get their path
    after it, relative to the folder they share, so that each citation names one file."""
    by_title: dict[str, list[int]] = {}
    for i, document in enumerate(documents):
        by_title.setdefault(document.title, []).append(i)
    renamed = list(documents)
    for title, group in by_title.items():
        if len(group) < 2:
            continue
        paths = [Path(documents[i].path).resolve() for i in group]
        shared = Path(os.path.commonpath([str(p.parent) for p in paths]))
        for i, path in zip(group, paths, strict=True):
            where = path.relative_to(shared).as_posix()
            renamed[i] = dataclasses.replace(documents[i], title=f"{title} ({where})")
    return renamed


def bundled_documents_path() -> Path:
    """The folder of documents shipped with citebot, found from any working directory.

    An installed wheel carries them as the ``citebot_seeds`` package; a source checkout
    (or an editable install) has them in ``seeds/`` beside ``retrieval/``.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec("citebot_seeds")
    except (ImportError, ValueError):
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location)
        if path.is_dir() and any(path.glob("*.txt")):
            return path
    return Path(__file__).resolve().parent.parent / "seeds"
