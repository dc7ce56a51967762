"""A built corpus and index as plain arrays and strings (for the cache), and back."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.corpus import Corpus
from retrieval.documents import Document
from retrieval.errors import IndexCacheError
from retrieval.impact import INDEX_ARRAYS, ImpactIndex
from retrieval.index import BM25Index
from retrieval.paragraphs import TABLE_ARRAYS, ParagraphTable
from retrieval.terms import TermMatrix

# Documents with at most this many paragraphs come back as a tuple of Paragraph objects.
_TUPLE_MAX = 20_000


def to_snapshot(index: BM25Index) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Everything needed to rebuild ``index`` (and its corpus) without re-analysing."""
    documents = index.corpus.documents
    tables = [d.paragraphs if isinstance(d.paragraphs, ParagraphTable)
              else ParagraphTable.from_paragraphs(d.paragraphs) for d in documents]
    texts = [d.text.encode("utf-8", "surrogatepass") for d in documents]
    arrays: dict[str, np.ndarray] = {
        "doc_text": np.frombuffer(b"".join(texts), dtype=np.uint8),
        "doc_text_sizes": np.array([len(t) for t in texts], dtype=np.int64),
        "doc_paragraphs": np.array([len(t) for t in tables], dtype=np.int64),
        "doc_sentences": np.array([t.sentence_starts.shape[0] for t in tables], dtype=np.int64),
        "term_ids": index.matrix.term_ids,
        "term_offsets_by_passage": index.matrix.offsets,
    }
    for name in TABLE_ARRAYS:
        if name == "sentence_offsets":
            continue  # rebuilt from the per-paragraph counts
        arrays[f"para_{name}"] = np.concatenate([getattr(t, name) for t in tables])
    arrays["para_sentence_counts"] = np.concatenate([t.sentence_counts() for t in tables])
    for name, array in index.impact.arrays().items():
        arrays[f"impact_{name}"] = array
    strings = {
        "documents": [{"path": d.path, "title": d.title, "url": d.url,
                       "size_bytes": d.size_bytes} for d in documents],
        "sections": [list(t.sections) for t in tables],
        "vocabulary": list(index.matrix.vocabulary),
        "params": {"k1": index.k1, "b": index.b, "epsilon": index.epsilon},
    }
    return arrays, strings


def from_snapshot(
    arrays: dict[str, np.ndarray], strings: dict[str, Any], *, analyzer: Analyzer
) -> BM25Index:
    """Rebuild the index; any inconsistency raises :class:`IndexCacheError`."""
    try:
        return _rebuild(arrays, strings, analyzer)
    except IndexCacheError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
        raise IndexCacheError(f"inconsistent index cache ({exc})") from exc


def _rebuild(arrays: dict[str, np.ndarray], strings: dict[str, Any],
             analyzer: Analyzer) -> BM25Index:
    metas = strings["documents"]
    sections = strings["sections"]
    text_sizes = arrays["doc_text_sizes"]
    n_paras = arrays["doc_paragraphs"]
    n_sents = arrays["doc_sentences"]
    if not (len(metas) == len(sections) == text_sizes.shape[0] == n_paras.shape[0]
            == n_sents.shape[0]) or not metas:
        raise IndexCacheError("index cache: document counts disagree")
    blob = arrays["doc_text"].tobytes()
    if int(text_sizes.sum()) != len(blob) or int(n_paras.sum()) != arrays[
        "para_starts"
    ].shape[0] or int(n_sents.sum()) != arrays["para_sentence_starts"].shape[0]:
        raise IndexCacheError("index cache: sizes disagree")
    documents = []
    t0 = p0 = s0 = 0
    for d, meta in enumerate(metas):
        t1, p1, s1 = t0 + int(text_sizes[d]), p0 + int(n_paras[d]), s0 + int(n_sents[d])
        text = blob[t0:t1].decode("utf-8", "surrogatepass")
        counts = arrays["para_sentence_counts"][p0:p1]
        offsets = np.zeros(p1 - p0 + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        table = ParagraphTable(
            starts=arrays["para_starts"][p0:p1], ends=arrays["para_ends"][p0:p1],
            numbers=arrays["para_numbers"][p0:p1], headings=arrays["para_headings"][p0:p1],
            section_ids=arrays["para_section_ids"][p0:p1], sections=sections[d],
            sentence_offsets=offsets, sentence_starts=arrays["para_sentence_starts"][s0:s1],
            sentence_ends=arrays["para_sentence_ends"][s0:s1],
        )
        if len(table) and (int(table.ends.max()) > len(text) or int(
            table.sentence_ends.max(initial=0)) > len(text)):
            raise IndexCacheError("index cache: offsets beyond the document text")
        documents.append(Document(
            path=str(meta["path"]), title=str(meta["title"]),
            url=None if meta["url"] is None else str(meta["url"]), text=text,
            paragraphs=tuple(table) if len(table) <= _TUPLE_MAX else table,
            size_bytes=int(meta["size_bytes"]),
        ))
        t0, p0, s0 = t1, p1, s1
    corpus = Corpus(documents)
    vocabulary = tuple(str(t) for t in strings["vocabulary"])
    matrix = TermMatrix(vocabulary, arrays["term_ids"], arrays["term_offsets_by_passage"])
    offsets = matrix.offsets
    if offsets.shape[0] == 0 or int(offsets[0]) != 0 or int(offsets[-1]) != (
        matrix.term_ids.shape[0]) or bool(np.any(np.diff(offsets) < 0)):
        raise IndexCacheError("index cache: term offsets out of range")
    if len(matrix) != len(corpus) or (matrix.term_ids.shape[0] and (
        int(matrix.term_ids.max()) >= len(vocabulary) or int(matrix.term_ids.min()) < 0)):
        raise IndexCacheError("index cache: term matrix does not match the corpus")
    impact = ImpactIndex(n_docs=len(corpus),
                         **{name: arrays[f"impact_{name}"] for name in INDEX_ARRAYS})
    params = strings["params"]
    return BM25Index(corpus=corpus, analyzer=analyzer, k1=float(params["k1"]),
                     b=float(params["b"]), epsilon=float(params["epsilon"]),
                     matrix=matrix, impact=impact)
