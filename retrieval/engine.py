"""Wiring: documents on disk -> corpus -> index -> answerer, built once and passed around."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.analysis import Analyzer
from retrieval.answer import Answerer
from retrieval.corpus import Corpus, bundled_documents_path, load_corpus
from retrieval.index import BM25Index


@dataclass(frozen=True)
class Engine:
    """Everything needed to answer questions about one set of documents."""

    corpus: Corpus
    index: BM25Index
    answerer: Answerer


def build_engine(paths: Sequence[str | Path] | None = None) -> Engine:
    """Load documents (the bundled ones by default) and index them."""
    corpus = load_corpus(paths or [bundled_documents_path()])
    index = BM25Index(corpus=corpus, analyzer=Analyzer())
    return Engine(corpus=corpus, index=index, answerer=Answerer(index=index))
